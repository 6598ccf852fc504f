"""Screens: the end labels of a survey's 5-point scale questions, set by the builder.

Revision ID: 0016_survey_scale_labels
Revises: 0015_screens
Create Date: 2026-12-01 10:00:00

Scale questions made before this revision showed the fixed labels 「まったくそう思わない」 and
「とてもそう思う」 (Strongly disagree / Strongly agree): they keep them, now stored.

(First committed as 0011_screens, which databases could already have recorded empty: a
revision, once on main, is never changed; this one carries what was added.)
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_survey_scale_labels"
down_revision = "0015_screens"
branch_labels = None
depends_on = None

COLUMNS = ("scale_low_ja", "scale_high_ja", "scale_low_en", "scale_high_en")
DEFAULTS = {
    "scale_low_ja": "まったくそう思わない",
    "scale_high_ja": "とてもそう思う",
    "scale_low_en": "Strongly disagree",
    "scale_high_en": "Strongly agree",
}


def upgrade() -> None:
    """Add the four label columns and give existing scale questions the labels they showed."""
    with op.batch_alter_table("survey_questions") as batch:
        for name in COLUMNS:
            batch.add_column(
                sa.Column(name, sa.String(length=100), nullable=False, server_default="")
            )
    questions = sa.table("survey_questions", sa.column("kind"), *map(sa.column, COLUMNS))
    op.execute(questions.update().where(questions.c.kind == "scale5").values(**DEFAULTS))
    with op.batch_alter_table("survey_questions") as batch:
        for name in COLUMNS:
            batch.alter_column(name, server_default=None)


def downgrade() -> None:
    """Drop the label columns (the scale falls back to the fixed labels)."""
    with op.batch_alter_table("survey_questions") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
