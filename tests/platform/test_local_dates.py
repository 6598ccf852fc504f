"""No feature takes "today" from UTC or from the server's zone (review R4-13).

Times are stored in UTC and shown in ``NAISHIN_TIMEZONE``; "today" is the day there:
``campaign.dates.local_today()``, and a stored time is turned into that zone's date or text by
``to_local()``. ``clock.now().date()`` is the UTC day (between 00:00 and 09:00 in Japan, the
day before), ``date.today()`` and ``datetime.now()`` the server's; a ``ZoneInfo("Asia/Tokyo")``
of a feature's own ignores the setting. This reads every feature's source and refuses them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("campaign", "surveys")
# The helper itself, and the clock (``datetime.now(UTC)`` is what it is for).
OWN = {"campaign/dates.py", "campaign/clock.py"}
# Files being changed by others at the time of the fix (none of them had an occurrence then);
# to be removed from this list once those changes have landed.
ELSEWHERE = {
    "surveys/storage.py",
    "surveys/answering.py",
    "surveys/public.py",
    "surveys/closing.py",
    "campaign/publicforms.py",
    "campaign/db.py",
    "campaign/cases/attachments.py",
    "campaign/cases/ooxml.py",
}
ELSEWHERE_DIRS = ("campaign/petitions/",)

# What a stored (UTC) time must not be turned into without ``to_local()`` first.
_DAY_PARTS = {"date", "strftime", "timetuple", "year", "month", "day"}
# Clock calls that read the server's own zone (or a naive UTC).
_SERVER_CLOCK = {
    ("date", "today"),
    ("datetime", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("time", "localtime"),
    ("time", "strftime"),
    ("time", "ctime"),
}


def _is_now_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "now"
    )


def _now_names(tree: ast.AST) -> set[str]:
    """Names bound to ``….now()`` (also ``now = now or clock.now()``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            _is_now_call(part) for part in ast.walk(node.value)
        ):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def utc_days(source: str) -> list[tuple[int, str]]:
    """(line, what) for each UTC or server-zone "today" in ``source``."""
    tree = ast.parse(source)
    now_names = _now_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _DAY_PARTS:
            value = node.value
            if _is_now_call(value):
                found.append((node.lineno, f".now().{node.attr}"))
            elif isinstance(value, ast.Name) and value.id in now_names:
                found.append((node.lineno, f"{value.id}.{node.attr} ({value.id} = ….now())"))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in _SERVER_CLOCK
        ):
            found.append((node.lineno, f"{node.func.value.id}.{node.func.attr}()"))
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "ZoneInfo"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, f"ZoneInfo({node.args[0].value!r}), not the setting's zone"))
    return sorted(found)


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in OWN or name in ELSEWHERE or name.startswith(ELSEWHERE_DIRS):
                continue
            yield name, path


def test_no_feature_takes_today_in_utc_or_the_servers_zone():
    found = [
        f"{name}:{line}: {what}"
        for name, path in _sources()
        for line, what in utc_days(path.read_text(encoding="utf-8"))
    ]
    assert not found, "use campaign.dates.local_today() / to_local(): " + "; ".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "d = clock.now().date()",
        "name = f\"cases-{clock.now().strftime('%Y%m%d')}.csv\"",
        "year = clock.now().year",
        "d = date.today()",
        "d = datetime.now().date()",
        "d = datetime.utcnow()",
        "def f(now=None):\n    now = now or clock.now()\n    return now.date()",
        'JST = ZoneInfo("Asia/Tokyo")',
    ],
)
def test_the_check_catches_each_form(source):
    assert utc_days(source), source


@pytest.mark.parametrize(
    "source",
    [
        "d = local_today()",
        "d = to_local(clock.now()).date()",
        "at = clock.now() - timedelta(days=1)",
        "stamp = clock.now().isoformat()",  # an ISO time with its offset is not a day
        "d = request.sent_on.year",
    ],
)
def test_the_check_lets_the_right_forms_through(source):
    assert not utc_days(source), source


def test_typed_times_and_the_logs_days_are_in_the_settings_zone(app, session, client, auth, make):
    """A survey's opening time typed in the form, and the audit log's "from" day, are read in
    ``NAISHIN_TIMEZONE`` like every time the pages show (they had Tokyo written in)."""
    from datetime import UTC, datetime

    from campaign.audit import services as audit
    from campaign.auth.models import Role
    from surveys.forms import to_japan, to_utc

    typed = datetime(2026, 12, 2, 8, 30)
    with app.app_context():
        assert to_utc(typed) == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
        app.config["TIMEZONE"] = "UTC"
        assert to_utc(typed) == typed.replace(tzinfo=UTC)
        assert to_japan(typed.replace(tzinfo=UTC)) == typed
        app.config["TIMEZONE"] = "Asia/Tokyo"
    auth.clock.current = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 2 December in Tokyo
    audit.record(session, "case.viewed", object_kind="case", object_id="9876", actor_id=None)
    session.commit()
    auth.login(make.user(role=Role.HQ))
    tokyo = client.get("/audit/?since=2026-12-02&object_kind=case").get_data(as_text=True)
    app.config["TIMEZONE"] = "UTC"
    utc = client.get("/audit/?since=2026-12-02&object_kind=case").get_data(as_text=True)
    assert "#9876" in tokyo and "#9876" not in utc
