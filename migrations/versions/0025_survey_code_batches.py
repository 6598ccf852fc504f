"""Surveys: each making of invitation codes is recorded, how many, by whom, on which day (R3-14).

``survey_code_batches`` holds one row per making: the number of codes, the maker
(``headquarters``; empty for codes made before this revision, whose maker was not recorded) and
the date only. Codes already made are entered as one batch per survey with no maker and no date.

Revision ID: 0025_survey_code_batches
Revises: 0024_case_frozen_quarters
Create Date: 2026-12-01 17:20:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0025_survey_code_batches"
down_revision = "0024_case_frozen_quarters"
branch_labels = None
depends_on = None

RandomKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the batches; enter the codes already made as one unattributed batch per survey."""
    batches = op.create_table(
        "survey_code_batches",
        sa.Column("id", RandomKey, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("maker", sa.String(length=16), nullable=True),
        sa.Column("made_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_code_batches_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_code_batches")),
    )
    op.create_index(op.f("ix_survey_code_batches_survey_id"), "survey_code_batches", ["survey_id"])
    made = op.get_bind().execute(
        sa.text("SELECT survey_id, COUNT(*) FROM survey_codes GROUP BY survey_id")
    )
    rows = [
        {"id": secrets.randbelow(2**62), "survey_id": s, "count": n, "maker": None, "made_on": None}
        for s, n in made
    ]
    if rows:
        op.bulk_insert(batches, rows)


def downgrade() -> None:
    """Drop the batches."""
    op.drop_index(op.f("ix_survey_code_batches_survey_id"), table_name="survey_code_batches")
    op.drop_table("survey_code_batches")
