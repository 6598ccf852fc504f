"""Petitions: confirmation emails wait in a queue and leave in batches (review R7b-3).

A signature with an email address no longer sends its link in the signing request (which
handed the SMTP relay, every hop and the signer's mail server the address at the moment of
signing): the address, the link's token and the page's language are sealed under the
petition's key into ``petition_link_queue`` and sent by ``petitions send-links`` (cron) or
the flush of a later signing request (campaign/petitions/links.py). The rows have a random id
and no time; nothing is moved here (no link was ever stored before).

Revision ID: 0030_petition_link_queue
Revises: 0029_petition_published_days
Create Date: 2026-12-02 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_petition_link_queue"
down_revision = "0029_petition_published_days"
branch_labels = None
depends_on = None

RandomKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """The queue's table: a random id, the petition, the sealed email, token and language."""
    op.create_table(
        "petition_link_queue",
        sa.Column("id", RandomKey, nullable=False, autoincrement=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_petition_link_queue_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_link_queue")),
    )
    op.create_index(
        op.f("ix_petition_link_queue_petition_id"), "petition_link_queue", ["petition_id"]
    )


def downgrade() -> None:
    """Drop the queue (links still queued are lost: their signatures wait, then are dropped)."""
    op.drop_index(op.f("ix_petition_link_queue_petition_id"), table_name="petition_link_queue")
    op.drop_table("petition_link_queue")
