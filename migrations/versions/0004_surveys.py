"""anonymous surveys: surveys, questions, the answer pool and the answers

Revision ID: 0004_surveys
Revises: 0001

The two answer tables have random 16-byte keys and no other column than the survey and the
ciphertext; on SQLite they are WITHOUT ROWID (see surveys/models.py for why).
"""

import sqlalchemy as sa
from alembic import op

import campaign.db

revision = "0004_surveys"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("title_ja", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("intro_ja", sa.Text(), nullable=False),
        sa.Column("intro_en", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("draft", "open", "closed", name="state", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("opens_at", campaign.db.UTCDateTime(), nullable=True),
        sa.Column("closes_at", campaign.db.UTCDateTime(), nullable=True),
        sa.Column("min_group", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", campaign.db.UTCDateTime(), nullable=False),
        sa.Column("block_size", sa.Integer(), nullable=True),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(length=128), nullable=True),
        sa.Column("key_salt", sa.LargeBinary(length=16), nullable=True),
        sa.Column("key_opslimit", sa.Integer(), nullable=True),
        sa.Column("key_memlimit", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_surveys_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_surveys_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_index(op.f("ix_surveys_branch_id"), "surveys", ["branch_id"], unique=False)
    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "single",
                "multiple",
                "scale5",
                "number",
                "text",
                name="kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("text_ja", sa.String(length=500), nullable=False),
        sa.Column("text_en", sa.String(length=500), nullable=False),
        sa.Column("options_ja", sa.Text(), nullable=False),
        sa.Column("options_en", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("is_grouping", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_questions_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questions")),
    )
    op.create_index(
        op.f("ix_survey_questions_survey_id"), "survey_questions", ["survey_id"], unique=False
    )
    for table in ("survey_answer_pool", "survey_answers"):
        op.create_table(
            table,
            sa.Column("id", sa.LargeBinary(length=16), nullable=False),
            sa.Column("survey_id", sa.Integer(), nullable=False),
            sa.Column("sealed", sa.LargeBinary(), nullable=False),
            sa.ForeignKeyConstraint(
                ["survey_id"], ["surveys.id"], name=op.f(f"fk_{table}_survey_id_surveys")
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sqlite_with_rowid=False,
        )
        op.create_index(op.f(f"ix_{table}_survey_id"), table, ["survey_id"], unique=False)


def downgrade() -> None:
    for table in ("survey_answers", "survey_answer_pool"):
        op.drop_index(op.f(f"ix_{table}_survey_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_survey_questions_survey_id"), table_name="survey_questions")
    op.drop_table("survey_questions")
    op.drop_index(op.f("ix_surveys_branch_id"), table_name="surveys")
    op.drop_table("surveys")
