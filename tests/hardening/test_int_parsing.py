"""No view turns request text into a number with ``int()`` (review R4-2: 5,000 digits in a query
argument reached ``int()``, which refuses more than 4,300, and the page answered 500). Numbers
from a request go through ``campaign/params.py``, which takes ASCII digits only, 18 at most."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUEST_PARTS = {"args", "form", "values", "cookies", "headers", "data", "get_json", "json"}


def _mentions(node: ast.AST, names: set[str]) -> bool:
    """Whether the expression reads ``request.<part>`` or one of ``names``."""
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Attribute)
            and child.attr in REQUEST_PARTS
            and isinstance(child.value, ast.Name)
            and child.value.id == "request"
        ):
            return True
        if isinstance(child, ast.Name) and child.id in names:
            return True
    return False


def _offences(tree: ast.AST) -> list[int]:
    """Lines where ``int(...)`` is applied to request text, in any function of the module."""
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        tainted: set[str] = set()
        for node in ast.walk(function):  # names given request text, then what int() reads
            if isinstance(node, ast.Assign) and _mentions(node.value, tainted):
                tainted |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "int"
                and any(_mentions(arg, tainted) for arg in node.args)
            ):
                found.append(node.lineno)
    return found


def test_no_int_of_request_text_outside_params():
    offences = []
    for folder in ("campaign", "surveys"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "campaign" / "params.py":
                continue
            for line in _offences(ast.parse(path.read_text(), str(path))):
                offences.append(f"{path.relative_to(ROOT)}:{line}")
    assert offences == [], "parse request numbers with campaign.params: " + ", ".join(offences)


def test_the_guard_catches_the_old_review_threshold():
    old = (
        "def review():\n"
        '    threshold = request.args.get("threshold", "5")\n'
        "    threshold = int(threshold) if threshold.isdigit() else 5\n"
    )
    assert _offences(ast.parse(old)) == [3]
    assert _offences(ast.parse("def f():\n    return int(request.form['n'])\n")) == [2]
