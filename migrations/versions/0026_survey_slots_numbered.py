"""Surveys: slots are numbered 0 to capacity - 1, and no index says which are free (issue 13).

An answer now draws slot numbers below the capacity and takes the first free one
(surveys/storage.py), so each survey's slots are renumbered by rank: the order of the old random
numbers is kept, so nothing about any answer's place changes. The index on ``filled`` goes: it
was rewritten by every answer, and nothing needs it any more.

Revision ID: 0026_survey_slots_numbered
Revises: 0025_survey_code_batches
Create Date: 2026-12-01 19:50:00
"""

import itertools

import sqlalchemy as sa
from alembic import op

revision = "0026_survey_slots_numbered"
down_revision = "0025_survey_code_batches"
branch_labels = None
depends_on = None

MOVE = sa.text("UPDATE survey_slots SET slot = :new WHERE survey_id = :survey AND slot = :old")


def upgrade() -> None:
    """Renumber every survey's slots by rank (through negative numbers, so that no two slots of
    a survey share a number on the way), then drop the index on ``filled``."""
    bind = op.get_bind()
    numbers = bind.execute(
        sa.text("SELECT survey_id, slot FROM survey_slots WHERE part = 0 ORDER BY survey_id, slot")
    )
    moves = []
    for survey, rows in itertools.groupby(numbers, key=lambda row: row[0]):
        slots = [row[1] for row in rows]
        if slots != list(range(len(slots))):
            moves += [{"survey": survey, "old": old, "new": -1 - n} for n, old in enumerate(slots)]
    for start in range(0, len(moves), 1000):
        bind.execute(MOVE, moves[start : start + 1000])
    bind.execute(sa.text("UPDATE survey_slots SET slot = -1 - slot WHERE slot < 0"))
    op.drop_index("ix_survey_slots_free", table_name="survey_slots")


def downgrade() -> None:
    """Bring the index back (the numbers stay as they are: the old code needs them distinct)."""
    op.create_index("ix_survey_slots_free", "survey_slots", ["survey_id", "part", "filled", "slot"])
