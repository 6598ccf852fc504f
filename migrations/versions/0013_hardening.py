"""Hardening (second session): the index of an officer's quarterly picture.

Revision ID: 0013_hardening
Revises: 0012_surveys
Create Date: 2026-12-01 13:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_hardening"
down_revision = "0012_surveys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index cases by the moment they were reported (an officer's national figures are counted
    by quarter of report), and give the few reported cases that have none their creation time."""
    op.execute(
        sa.text(
            "UPDATE cases SET reported_at = created_at "
            "WHERE reported_at IS NULL AND state <> 'draft'"
        )
    )
    op.create_index("ix_cases_reported", "cases", ["reported_at", "branch_id"])


def downgrade() -> None:
    """Drop the index (the filled-in report times stay)."""
    op.drop_index("ix_cases_reported", table_name="cases")
