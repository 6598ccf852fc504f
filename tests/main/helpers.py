"""The route matrix: what each role may reach, and the records every feature needs for its URLs."""

from __future__ import annotations

import importlib
from pathlib import Path

from campaign.auth.models import Role
from tests.main.routes import BASE, BASE_POST


def _feature_route_modules():
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/routes.py")):
        if path.parent.name == "main":
            continue
        yield importlib.import_module(f"tests.{path.parent.name}.routes")


EXPECTED, EXPECTED_POST = dict(BASE), dict(BASE_POST)
for _module in _feature_route_modules():
    EXPECTED.update(_module.EXPECTED)
    EXPECTED_POST.update(getattr(_module, "EXPECTED_POST", {}))


def build_world(make):
    """Two branches, an officer of the first, an HQ member, an officer account to edit, and
    whatever each feature arranges; ``world["values"]`` holds the URL arguments."""
    own, foreign = make.branch(), make.branch()
    officer = make.user(branch=own)
    hq = make.user(role=Role.HQ)
    target = make.user(branch=foreign)
    world = {"officer": officer, "hq": hq, "own": own, "foreign": foreign, "target": target}
    values = {
        "filename": "css/site.css",
        "code": "en",
        "token": "no-such-token",
        "branch_id": foreign.id,
        "user_id": target.id,
    }
    for module in _feature_route_modules():
        if hasattr(module, "arrange"):
            values.update(module.arrange(make, world))
    world["values"] = values
    return world


def url_for_rule(app, rule, world) -> str:
    """The URL of a rule, with the world's records as its arguments."""
    values = world["values"]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
