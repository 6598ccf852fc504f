"""Petitions: the figures published each day, stored once (review R7b-1).

``petition_published_days`` holds, per petition and day (``as_of``, the last day counted), the
figures the public and branch officers see: the step, the rounded total and the named
prefectures' rounded online and paper counts. Written once by the first request of the day
that may write (``campaign.petitions.services``), read by every worker and server. The row of
the closing day also keeps the exact online counts at the close (``online``): after the close a
day's figures are those plus the paper entered by that day (review R8-5). Nothing is filled
in here: the first request after the upgrade stores the day's figures as the rows stand.

Revision ID: 0029_petition_published_days
Revises: 0028_petition_set_asides
Create Date: 2026-12-02 02:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_petition_published_days"
down_revision = "0028_petition_set_asides"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table of published figures."""
    op.create_table(
        "petition_published_days",
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("as_of", sa.Date(), primary_key=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("online", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    """Drop it (the figures are then worked out per process again)."""
    op.drop_table("petition_published_days")
