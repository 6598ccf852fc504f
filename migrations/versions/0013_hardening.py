"""Hardening (second session): the index of an officer's quarterly picture, and the case
counts the database keeps as cases change.

``case_counts`` holds, per state, how many cases there are in all and per category, issuer
kind, month and prefecture. Triggers on ``cases`` and ``case_category_links`` keep it in the
same transaction as every insert, change of a counted field and delete, however the change is
made (the app, a bulk load, a restore), so headquarters' national picture reads a few hundred
rows instead of grouping every case. (A link row is never updated: categories are changed by
deleting and inserting links.)

Revision ID: 0013_hardening
Revises: 0012_surveys
Create Date: 2026-12-01 13:15:00
"""

import sqlalchemy as sa
from alembic import op

# ruff: noqa: S608  (the SQL below is built from this file's own constants, no input)

revision = "0013_hardening"
down_revision = "0012_surveys"
branch_labels = None
depends_on = None

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
        source=f"SELECT '{dim}', {expr.format(row='cases')}, state, count(*) FROM cases "
        "GROUP BY 2, 3"
    )
    for dim, expr in SIMPLE
] + [
    UPSERT.format(
        source="SELECT 'category', CAST(l.category_id AS VARCHAR(40)), c.state, count(*) "
        "FROM case_category_links l JOIN cases c ON c.id = l.case_id "
        "GROUP BY l.category_id, c.state"
    )
]


def upgrade() -> None:
    """Index cases by the moment they were reported (an officer's national figures are counted
    by quarter of report), give the reported cases that have none their creation time; create
    ``case_counts``, fill it, and add the triggers that keep it."""
    op.execute(
        sa.text(
            "UPDATE cases SET reported_at = created_at "
            "WHERE reported_at IS NULL AND state <> 'draft'"
        )
    )
    op.create_index(
        "ix_cases_reported", "cases", ["reported_at", "branch_id", "issuer_kind", "prefecture_code"]
    )
    op.create_table(
        "case_counts",
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("state", sa.String(16), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    for statement in BACKFILL:
        # SQLite reads "SELECT … ON CONFLICT" as a join without a WHERE: give it one.
        op.execute(statement.replace(" GROUP BY", " WHERE true GROUP BY"))
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (when, table, statements) in TRIGGERS.items():
        if postgres:
            body = "; ".join(statements)
            returned = "OLD" if when.startswith("BEFORE") else "NULL"  # BEFORE: go ahead
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{body}; RETURN {returned}; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW BEGIN "
                + "; ".join(statements)
                + "; END"
            )


def downgrade() -> None:
    """Drop the triggers, the counts and the index (the filled-in report times stay)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (_when, table, _statements) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table("case_counts")
    op.drop_index("ix_cases_reported", table_name="cases")
