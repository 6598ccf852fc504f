"""Cases: an officer's national figures frozen when their quarter has ended (review R2-19).

``case_frozen_quarters`` names each completed fiscal quarter whose figures are frozen and when;
``case_frozen_counts`` holds them, per branch (and for all branches together, branch 0): the
reported cases in all and per category, issuer kind and prefecture. Written once per quarter
(``campaign.cases.national.freeze``, the first time an officer's picture is computed after the
quarter ended, or ``flask cases freeze-quarters``); the officer's national figures are read from
them only, so an edit or a late entry after the freeze moves no figure. Nothing is filled in
here: the first picture after the upgrade freezes every completed quarter as the cases stand.

Revision ID: 0024_case_frozen_quarters
Revises: 0023_audit_seals
Create Date: 2026-12-01 16:45:00
"""

import sqlalchemy as sa
from alembic import op

from campaign.db import UTCDateTime

revision = "0024_case_frozen_quarters"
down_revision = "0023_audit_seals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the frozen quarters and their figures."""
    op.create_table(
        "case_frozen_quarters",
        sa.Column("quarter", sa.String(7), primary_key=True),
        sa.Column("frozen_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "case_frozen_counts",
        sa.Column(
            "quarter",
            sa.String(7),
            sa.ForeignKey("case_frozen_quarters.quarter", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("branch_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    """Drop them (the officer's figures are then live again)."""
    op.drop_table("case_frozen_counts")
    op.drop_table("case_frozen_quarters")
