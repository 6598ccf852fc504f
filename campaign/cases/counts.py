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


# --- pairs (migration 0022) ---------------------------------------------------------------
#
# ``case_pair_counts`` holds, per state, how many cases there are per pair of the list's
# filters (category, issuer kind, prefecture, month), so that a list filtered by two of them
# (category x issuer: 2,383 of 100,000 cases, 4-9 ms to count by joining two indexes) is
# counted from a few rows. A pair with the month keeps the month in its own column, so that a
# month range is a range of the primary key. Its own triggers, beside those of case_counts.

# (dimension, key, month) of the pairs counted from a case's own columns.
PAIRS = (
    ("issuer|prefecture", "{row}.issuer_kind || '|' || {row}.prefecture_code", "''"),
    ("issuer|month", "{row}.issuer_kind", "{row}.occurred_month"),
    ("prefecture|month", "{row}.prefecture_code", "{row}.occurred_month"),
)
# The pairs of a category ({category}) with a column of its case.
CATEGORY = "CAST({category} AS VARCHAR(40))"
CATEGORY_PAIRS = (
    ("category|issuer", CATEGORY + " || '|' || {row}.issuer_kind", "''"),
    ("category|prefecture", CATEGORY + " || '|' || {row}.prefecture_code", "''"),
    ("category|month", CATEGORY, "{row}.occurred_month"),
)
PAIR_UPSERT = (
    "INSERT INTO case_pair_counts (dimension, key, month, state, n) {source} "
    "ON CONFLICT (dimension, key, month, state) DO UPDATE SET n = case_pair_counts.n + excluded.n"
)


def _pairs(row: str, sign: int) -> list[str]:
    return [
        PAIR_UPSERT.format(
            source=f"VALUES ('{dim}', {key.format(row=row)}, {month.format(row=row)}, "
            f"{row}.state, {sign})"
        )
        for dim, key, month in PAIRS
    ]


def _case_category_pairs(row: str, sign: int) -> list[str]:
    """Every category pair of the case ``row`` (its links), moved by ``sign``."""
    return [
        PAIR_UPSERT.format(
            source=f"SELECT '{dim}', {key.format(row=row, category='category_id')}, "
            f"{month.format(row=row)}, {row}.state, {sign} "
            f"FROM case_category_links WHERE case_id = {row}.id"
        )
        for dim, key, month in CATEGORY_PAIRS
    ]


def _link_pairs(row: str, sign: int) -> list[str]:
    """The pairs of one category link ``row`` with its case, while the case exists."""
    category = f"{row}.category_id"
    return [
        PAIR_UPSERT.format(
            source=f"SELECT '{dim}', {key.format(row='cases', category=category)}, "
            f"{month.format(row='cases')}, cases.state, {sign} FROM cases WHERE id = {row}.case_id"
        )
        for dim, key, month in CATEGORY_PAIRS
    ]


PAIR_TRIGGERS = {
    "case_pairs_insert": ("AFTER INSERT", "cases", _pairs("NEW", 1)),
    "case_pairs_update": (
        f"AFTER UPDATE OF {COUNTED}",
        "cases",
        _pairs("OLD", -1)
        + _pairs("NEW", 1)
        + _case_category_pairs("OLD", -1)
        + _case_category_pairs("NEW", 1),
    ),
    "case_pairs_delete": (
        "BEFORE DELETE",
        "cases",
        _pairs("OLD", -1) + _case_category_pairs("OLD", -1),
    ),
    "case_pairs_link_insert": ("AFTER INSERT", "case_category_links", _link_pairs("NEW", 1)),
    "case_pairs_link_delete": ("AFTER DELETE", "case_category_links", _link_pairs("OLD", -1)),
}
PAIR_BACKFILL = [
    PAIR_UPSERT.format(
        source=f"SELECT '{dim}', {key.format(row='cases')}, {month.format(row='cases')}, state, "
        "count(*) FROM cases WHERE true GROUP BY 2, 3, 4"
    )
    for dim, key, month in PAIRS
] + [
    PAIR_UPSERT.format(
        source=f"SELECT '{dim}', {key.format(row='c', category='l.category_id')}, "
        f"{month.format(row='c')}, c.state, count(*) "
        "FROM case_category_links l JOIN cases c ON c.id = l.case_id WHERE true GROUP BY 2, 3, 4"
    )
    for dim, key, month in CATEGORY_PAIRS
]


def create_triggers(execute, postgres: bool, triggers: dict) -> None:
    """Create ``triggers`` (name: (timing and event, table, statements)) with ``execute``
    (a migration's ``op.execute``): a function and a trigger on PostgreSQL, a trigger on
    SQLite."""
    for name, (when, table, statements) in triggers.items():
        body = "; ".join(statements)
        if postgres:
            returned = "OLD" if when.startswith("BEFORE") else "NULL"  # BEFORE: go ahead
            execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{body}; RETURN {returned}; END $$"
            )
            execute(
                f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            execute(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW BEGIN {body}; END")


def drop_triggers(execute, postgres: bool, triggers: dict) -> None:
    """Drop what ``create_triggers`` made."""
    for name, (_when, table, _statements) in triggers.items():
        execute(f"DROP TRIGGER {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            execute(f"DROP FUNCTION {name}()")


def rebuild(connection) -> None:
    """Recount ``case_counts`` and ``case_pair_counts`` from the cases, in the caller's
    transaction."""
    connection.execute(text("DELETE FROM case_counts"))
    for statement in BACKFILL:
        connection.execute(text(statement))
    connection.execute(text("DELETE FROM case_pair_counts"))
    for statement in PAIR_BACKFILL:
        connection.execute(text(statement))
