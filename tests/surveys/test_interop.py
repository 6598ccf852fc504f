"""Browser ↔ server sealing interoperate (SECURITY.md promise 2): libsodium-wrappers (Node, the
same package the answer page loads) seals and PyNaCl opens; PyNaCl seals and libsodium-wrappers
opens; one flipped byte is rejected on both sides."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from surveys import sealing

HERE = Path(__file__).resolve().parent
MODULES = HERE.parents[1] / "surveys" / "node_modules" / "libsodium-wrappers"
NODE = shutil.which("node")


@pytest.fixture(autouse=True)
def _needs_node():
    """Skip with the reason locally; in CI (`make test` runs `npm ci --prefix surveys`) fail."""
    if NODE and MODULES.exists():
        return
    reason = "needs node and surveys/node_modules: run `npm ci --prefix surveys` (make test does)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _node(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NODE, str(HERE / "interop.js"), *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=60,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_sealed_by_libsodium_wrappers_opens_in_python():
    private = PrivateKey.generate()
    answer = {"1": 0, "2": [0, 2], "3": "自由記述 ✓"}
    sealed_b64 = _node("seal", _b64(bytes(private.public_key)), json.dumps(answer), "256").stdout
    sealed = sealing.decode_sealed(sealed_b64, sealing.sealed_size(256))
    assert sealing.opener(private)(sealed) == answer
    flipped = bytearray(sealed)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(sealing.SealingError):
        sealing.opener(private)(bytes(flipped))
    with pytest.raises(sealing.SealingError):
        sealing.opener(PrivateKey.generate())(sealed)


def test_sealed_by_python_opens_in_libsodium_wrappers():
    private = PrivateKey.generate()
    answer = {"7": 4, "8": "サーバーで封印"}
    sealed = sealing.seal(answer, bytes(private.public_key), 256)
    keys = (_b64(bytes(private.public_key)), _b64(bytes(private)))
    opened = _node("open", *keys, _b64(sealed))
    assert json.loads(opened.stdout) == answer
    flipped = bytearray(sealed)
    flipped[-1] ^= 0x80
    rejected = _node("open", *keys, _b64(bytes(flipped)), check=False)
    assert rejected.returncode == 2 and "rejected" in rejected.stderr
