"""Audit notes: what a person typed for an entry, kept apart from the chained log and purgeable.

Revision ID: 0020_audit_notes
Revises: 0019_petition_sealing
Create Date: 2026-12-01 16:50:00

``audit_notes`` holds the free text (one note per entry, keyed by the entry's ``seq``) with a
random key of its own; ``audit_entries.note_digest`` holds HMAC-SHA256 of the text under that key,
and the entry's hash covers the digest. Entries written before this revision are left as they
are: their ``reason`` is part of their hash, so moving the text out would break the chain.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_audit_notes"
down_revision = "0019_petition_sealing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild of the table on SQLite would drop its triggers.
    op.add_column("audit_entries", sa.Column("note_digest", sa.String(64), nullable=True))
    op.create_table(
        "audit_notes",
        sa.Column(
            "seq",
            sa.Integer,
            sa.ForeignKey("audit_entries.seq"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("key", sa.LargeBinary(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_notes")
    # SQLite (3.35+) drops a column in place, keeping the table's triggers.
    op.drop_column("audit_entries", "note_digest")
