"""Surveys part two: answer slots, invitation codes, custodians, receipts.

Revision ID: 0009_survey_codes
Revises: 0008_petitions
Create Date: 2026-12-01 10:00:00

The answer pool and answer tables give way to preallocated slots (surveys/storage.py says why):
every stored answer of a survey moves into a random slot of a fresh set of filler slots, and the
old tables are dropped. On PostgreSQL the slot table keeps room in each page (fillfactor 40) and
stores its bytes PLAIN (never compressed, never moved out to a TOAST table).
"""

import math
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009_survey_codes"
down_revision = "0008_petitions"
branch_labels = None
depends_on = None

PART = 1536
RandomKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add the new tables and columns, then move existing answers into slots."""
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(
            sa.Column("custody", sa.String(length=16), nullable=False, server_default="passphrase")
        )
        batch.add_column(sa.Column("custody_threshold", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("needs_code", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("code_salt", sa.LargeBinary(length=16), nullable=True))
        batch.add_column(
            sa.Column("receipts_published", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("surveys") as batch:
        for column in ("custody", "needs_code", "receipts_published"):
            batch.alter_column(column, server_default=None)
    op.create_table(
        "survey_slots",
        sa.Column("id", RandomKey, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_slots_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_slots")),
        sa.UniqueConstraint("survey_id", "slot", "part", name=op.f("uq_survey_slots_survey_id")),
        postgresql_with={"fillfactor": 40},
    )
    op.create_index(op.f("ix_survey_slots_survey_id"), "survey_slots", ["survey_id"])
    op.create_index("ix_survey_slots_free", "survey_slots", ["survey_id", "part", "filled", "slot"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE survey_slots ALTER COLUMN data SET STORAGE PLAIN")
    op.create_table(
        "survey_codes",
        sa.Column("id", RandomKey, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("spent", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_codes_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_codes")),
        sa.UniqueConstraint("survey_id", "code_hash", name=op.f("uq_survey_codes_survey_id")),
    )
    op.create_index(op.f("ix_survey_codes_survey_id"), "survey_codes", ["survey_id"])
    op.create_table(
        "survey_custodians",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("member_index", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_custodians_survey_id_surveys")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_survey_custodians_user_id_users")
        ),
        sa.PrimaryKeyConstraint("survey_id", "member_index", name=op.f("pk_survey_custodians")),
    )
    op.create_index(op.f("ix_survey_custodians_user_id"), "survey_custodians", ["user_id"])
    _move_answers_into_slots()
    for table in ("survey_answers", "survey_answer_pool"):
        op.drop_index(op.f(f"ix_{table}_survey_id"), table_name=table)
        op.drop_table(table)


def _move_answers_into_slots() -> None:
    bind = op.get_bind()
    rng = secrets.SystemRandom()
    surveys = bind.execute(
        sa.text("SELECT id, block_size FROM surveys WHERE block_size IS NOT NULL")
    )
    slots = sa.table(
        "survey_slots",
        sa.column("id"),
        sa.column("survey_id"),
        sa.column("slot"),
        sa.column("part"),
        sa.column("filled"),
        sa.column("data"),
    )
    for survey_id, block_size in list(surveys):
        answers = [
            row[0]
            for table in ("survey_answers", "survey_answer_pool")
            for row in bind.execute(
                sa.text(f"SELECT sealed FROM {table} WHERE survey_id = :s"),  # noqa: S608
                {"s": survey_id},
            )
        ]
        length = block_size + 48
        count = max(512, 2 * len(answers))
        numbers = rng.sample(range(2**31 - 1), count)
        contents = answers + [None] * (count - len(answers))
        rng.shuffle(contents)
        rows = []
        for number, sealed in zip(numbers, contents, strict=True):
            data = sealed if sealed is not None else secrets.token_bytes(length)
            for part in range(math.ceil(length / PART)):
                rows.append(
                    {
                        "id": secrets.randbelow(2**62),
                        "survey_id": survey_id,
                        "slot": number,
                        "part": part,
                        "filled": sealed is not None,
                        "data": data[part * PART : (part + 1) * PART],
                    }
                )
        for start in range(0, len(rows), 500):
            bind.execute(slots.insert(), rows[start : start + 500])


def downgrade() -> None:
    """Back to the pool and answer tables (answers are moved back, in slot order)."""
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
    bind = op.get_bind()
    current, pieces, survey = None, [], None
    rows = bind.execute(
        sa.text(
            "SELECT survey_id, slot, data FROM survey_slots WHERE filled "
            "ORDER BY survey_id, slot, part"
        )
    )
    answers = sa.table(
        "survey_answers", sa.column("id"), sa.column("survey_id"), sa.column("sealed")
    )

    def flush():
        if pieces:
            bind.execute(
                answers.insert(),
                {"id": secrets.token_bytes(16), "survey_id": survey, "sealed": b"".join(pieces)},
            )

    for survey_id, slot, data in list(rows):
        if (survey_id, slot) != current:
            flush()
            pieces, current, survey = [], (survey_id, slot), survey_id
        pieces.append(data)
    flush()
    op.drop_index(op.f("ix_survey_custodians_user_id"), table_name="survey_custodians")
    op.drop_table("survey_custodians")
    op.drop_index(op.f("ix_survey_codes_survey_id"), table_name="survey_codes")
    op.drop_table("survey_codes")
    op.drop_index("ix_survey_slots_free", table_name="survey_slots")
    op.drop_index(op.f("ix_survey_slots_survey_id"), table_name="survey_slots")
    op.drop_table("survey_slots")
    with op.batch_alter_table("surveys") as batch:
        for column in ("receipts_published", "code_salt", "needs_code", "custody_threshold"):
            batch.drop_column(column)
        batch.drop_column("custody")
