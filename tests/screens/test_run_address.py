"""``make run`` says where it serves: the address gunicorn binds, NAISHIN_BIND included."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _echo_line(env: dict) -> str:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^\t@echo \"Serving on [^\n]*$", recipe, re.M).group(0).strip()
    command = line.removeprefix("@").replace("$$", "$")
    return subprocess.run(
        ["/bin/sh", "-c", command], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_printed_address_follows_naishin_bind():
    env = {k: v for k, v in os.environ.items() if k != "NAISHIN_BIND"}
    assert _echo_line(env) == "Serving on http://127.0.0.1:8000 (Ctrl-C to stop)"
    env["NAISHIN_BIND"] = "0.0.0.0:9000"
    assert _echo_line(env) == "Serving on http://0.0.0.0:9000 (Ctrl-C to stop)"
