"""Surveys, part two (second session): custodians' shares wait sealed until each logs in.

Revision ID: 0017_survey_pending_shares
Revises: 0016_survey_scale_labels
Create Date: 2026-12-01 13:15:00

``survey_pending_shares`` holds, per custodian, their SLIP-39 share sealed to a key of their own
(derived from the data key, which never enters the database) until they log in and see it once;
then the row is erased (surveys/handover.py).

(First committed as 0012_surveys, which databases could already have recorded empty: a
revision, once on main, is never changed; this one carries what was added.)
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_survey_pending_shares"
down_revision = "0016_survey_scale_labels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the table of shares waiting for their custodian."""
    op.create_table(
        "survey_pending_shares",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_pending_shares_survey_id_surveys")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_survey_pending_shares_user_id_users")
        ),
        sa.PrimaryKeyConstraint("survey_id", "user_id", name=op.f("pk_survey_pending_shares")),
    )
    op.create_index(op.f("ix_survey_pending_shares_user_id"), "survey_pending_shares", ["user_id"])


def downgrade() -> None:
    """Drop the table (any share still waiting is lost: its custodian never saw it)."""
    op.drop_index(op.f("ix_survey_pending_shares_user_id"), table_name="survey_pending_shares")
    op.drop_table("survey_pending_shares")
