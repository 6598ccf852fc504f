"""Hardening (second session): the index of an officer's quarterly picture, and the case
counts the database keeps as cases change.

``case_counts`` holds, per state, how many cases there are in all and per category, issuer
kind, month and prefecture. Triggers on ``cases`` and ``case_category_links`` keep it in the
same transaction as every insert, change of a counted field and delete, however the change is
made (the app, a bulk load, a restore), so headquarters' national picture reads a few hundred
rows instead of grouping every case. (A link row is never updated: categories are changed by
deleting and inserting links.)

Revision ID: 0018_case_counts
Revises: 0017_survey_pending_shares
Create Date: 2026-12-01 13:15:00

(First committed as 0013_hardening, which databases could already have recorded empty: a
revision, once on main, is never changed; this one carries what was added.)
"""

import sqlalchemy as sa
from alembic import op

from campaign.cases.counts import BACKFILL, TRIGGERS  # the triggers' SQL, and the fill

revision = "0018_case_counts"
down_revision = "0017_survey_pending_shares"
branch_labels = None
depends_on = None

# The grouping indexes get the id, so that PostgreSQL counts a filtered list from the index.
WITH_ID = (
    ("ix_cases_prefecture_state", "prefecture_code"),
    ("ix_cases_issuer_state", "issuer_kind"),
    ("ix_cases_month_state", "occurred_month"),
)


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
    for name, column in WITH_ID:
        op.drop_index(name, table_name="cases")
        op.create_index(name, "cases", [column, "state", "id"])
    op.create_table(
        "case_counts",
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("state", sa.String(16), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    for statement in BACKFILL:
        op.execute(statement)
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
    for name, column in WITH_ID:
        op.drop_index(name, table_name="cases")
        op.create_index(name, "cases", [column, "state"])
    op.drop_index("ix_cases_reported", table_name="cases")
