"""The SQL of the case counts the database keeps (``case_counts``; see models.CaseCount).

Migration 0018 creates the triggers from ``TRIGGERS`` and fills the table with ``BACKFILL``;
``rebuild`` empties and refills it (after a bulk load made with the triggers switched off, as
the benchmark does on PostgreSQL, where one transaction updating the same few counter rows
100,000 times would leave ever longer chains of row versions to walk).
"""

from __future__ import annotations

from sqlalchemy import text

# ruff: noqa: S608  (the SQL below is built from this module's own constants, no input)

# The dimensions counted from a case's own columns: (dimension, expression of the row).
SIMPLE = (
    ("total", "''"),
    ("issuer", "{row}.issuer_kind"),
    ("month", "{row}.occurred_month"),
    ("prefecture", "{row}.prefecture_code"),
)
UPSERT = (
    "INSERT INTO case_counts (dimension, key, state, n) {source} "
    "ON CONFLICT (dimension, key, state) DO UPDATE SET n = case_counts.n + excluded.n"
)
COUNTED = "state, issuer_kind, occurred_month, prefecture_code"


def _simple(row: str, sign: int) -> list[str]:
    """One upsert per dimension for the case ``row`` (OLD or NEW), adding ``sign``."""
    return [
        UPSERT.format(source=f"VALUES ('{dim}', {expr.format(row=row)}, {row}.state, {sign})")
        for dim, expr in SIMPLE
    ]


def _categories(row: str, sign: int, only_if: str = "") -> str:
    """Every category of the case ``row``, moved by ``sign`` under the row's state."""
    source = (
        f"SELECT 'category', CAST(category_id AS VARCHAR(40)), {row}.state, {sign} "
        f"FROM case_category_links WHERE case_id = {row}.id{only_if}"
    )
    return UPSERT.format(source=source)


def _link(row: str, sign: int) -> str:
    """One category link ``row``, counted under its case's state while the case exists (a case
    being deleted has taken its categories off already)."""
    source = (
        f"SELECT 'category', CAST({row}.category_id AS VARCHAR(40)), state, {sign} "
        f"FROM cases WHERE id = {row}.case_id"
    )
    return UPSERT.format(source=source)


MOVED = " AND OLD.state <> NEW.state"
TRIGGERS = {
    # name: (timing and event, table, statements)
    "case_counts_insert": ("AFTER INSERT", "cases", _simple("NEW", 1)),
    "case_counts_update": (
        f"AFTER UPDATE OF {COUNTED}",
        "cases",
        _simple("OLD", -1)
        + _simple("NEW", 1)
        + [_categories("OLD", -1, MOVED), _categories("NEW", 1, MOVED)],
    ),
    "case_counts_delete": (
        "BEFORE DELETE",
        "cases",
        [*_simple("OLD", -1), _categories("OLD", -1)],
    ),
    "case_counts_link_insert": ("AFTER INSERT", "case_category_links", [_link("NEW", 1)]),
    "case_counts_link_delete": ("AFTER DELETE", "case_category_links", [_link("OLD", -1)]),
}
BACKFILL = [
    UPSERT.format(
        # SQLite reads "SELECT … ON CONFLICT" as a join without a WHERE: it gets one.
        source=f"SELECT '{dim}', {expr.format(row='cases')}, state, count(*) FROM cases "
        "WHERE true GROUP BY 2, 3"
    )
    for dim, expr in SIMPLE
] + [
    UPSERT.format(
        source="SELECT 'category', CAST(l.category_id AS VARCHAR(40)), c.state, count(*) "
        "FROM case_category_links l JOIN cases c ON c.id = l.case_id "
        "WHERE true GROUP BY l.category_id, c.state"
    )
]


def rebuild(connection) -> None:
    """Recount ``case_counts`` from the cases, in the caller's transaction."""
    connection.execute(text("DELETE FROM case_counts"))
    for statement in BACKFILL:
        connection.execute(text(statement))
