"""The layering, as import-linter checks it (pyproject.toml; ``make test`` runs it too)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> str:
    command = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_contracts_are_kept():
    output = _lint_imports()
    for name in (
        "The platform imports no feature KEPT",
        "Features do not import one another's views, forms, commands or demo data KEPT",
        "No import cycles KEPT",
        "campaign/__init__.py imports no feature (features are found at start-up) KEPT",
    ):
        assert name in output


def test_every_platform_module_is_in_the_contract():
    """A module added directly to campaign/ is platform: it must be listed, or it is unchecked."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = config["tool"]["importlinter"]["contracts"][0]
    listed = set(contract["source_modules"])
    modules = {
        f"campaign.{p.stem}" for p in (ROOT / "campaign").glob("*.py") if p.stem != "__init__"
    }
    assert modules <= listed, sorted(modules - listed)
    features = {f"campaign.{p.parent.name}" for p in (ROOT / "campaign").glob("*/__init__.py")} | {
        "surveys"
    }
    missing = features - set(contract["forbidden_modules"])
    assert not missing, f"add {sorted(missing)} to the contracts in pyproject.toml"
    internals = next(
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["name"].startswith("Features do not import one another's")
    )
    missing = features - set(internals["source_modules"])
    assert not missing, f"add {sorted(missing)} (and its ignore line) to the contract on internals"
