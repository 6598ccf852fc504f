"""Petition signatures get random 62-bit ids (review R4-5), those already stored too.

A sequential id is the order of signing, and so were SQLite's B-tree (keyed by it) and the
署名簿 (sorted by it). Existing rows are given fresh random ids in a random order; on PostgreSQL
the column becomes BIGINT without its sequence, and the table is rewritten in the new ids'
order (``CLUSTER``), so that neither its heap order nor the dead row versions keep the old
order. No other table refers to a signature's id.

Revision ID: 0027_petition_random_ids
Revises: 0026_survey_slots_numbered
Create Date: 2026-12-01 20:10:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0027_petition_random_ids"
down_revision = "0026_survey_slots_numbered"
branch_labels = None
depends_on = None


def _renumber(pairs: list[tuple[int, int]]) -> None:
    """Give each row (old id, new id) its new id, in the order given."""
    if pairs:
        op.get_bind().execute(
            sa.text("UPDATE petition_signatures SET id = :new WHERE id = :old"),
            [{"old": old, "new": new} for old, new in pairs],
        )


def upgrade() -> None:
    """Random ids for every signature; BIGINT and no sequence on PostgreSQL."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE petition_signatures ALTER COLUMN id DROP DEFAULT")
        op.execute("ALTER TABLE petition_signatures ALTER COLUMN id TYPE BIGINT")
        op.execute("DROP SEQUENCE IF EXISTS petition_signatures_id_seq")
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM petition_signatures"))]
    fresh: set[int] = set()
    while len(fresh) < len(ids):
        fresh.add(secrets.randbelow(2**62))
    secrets.SystemRandom().shuffle(ids)  # the rows are rewritten in no order of theirs either
    _renumber(list(zip(ids, fresh, strict=True)))
    if postgres:
        op.execute("CLUSTER petition_signatures USING pk_petition_signatures")
        op.execute("ALTER TABLE petition_signatures SET WITHOUT CLUSTER")


def downgrade() -> None:
    """Sequential ids again (1, 2, … in the random ids' order, which carries no time)."""
    bind = op.get_bind()
    ids = [r[0] for r in bind.execute(sa.text("SELECT id FROM petition_signatures ORDER BY id"))]
    _renumber([(old, number) for number, old in enumerate(ids, start=1)])
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE petition_signatures ALTER COLUMN id TYPE INTEGER")
        op.execute("CREATE SEQUENCE petition_signatures_id_seq OWNED BY petition_signatures.id")
        op.execute(
            "ALTER TABLE petition_signatures ALTER COLUMN id "
            "SET DEFAULT nextval('petition_signatures_id_seq')"
        )
        op.execute(
            "SELECT setval('petition_signatures_id_seq', "
            "(SELECT COALESCE(MAX(id), 0) + 1 FROM petition_signatures), false)"
        )
