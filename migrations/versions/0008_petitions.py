"""Petitions (署名): petitions, online signatures, paper batches, and the counts that stay.

Revision ID: 0008_petitions
Revises: 0007_formal_requests
Create Date: 2026-12-01 10:00:00

A signature keeps no time of day, address or user agent; see campaign/petitions/models.py.
"""

import sqlalchemy as sa
from alembic import op

import campaign.db

revision = "0008_petitions"
down_revision = "0007_formal_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "petitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_ja", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("text_ja", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("addressee_ja", sa.String(length=200), nullable=False),
        sa.Column("addressee_en", sa.String(length=200), nullable=False),
        sa.Column("goal", sa.Integer(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("ask_email", sa.Boolean(), nullable=False),
        sa.Column("hourly_limit", sa.Integer(), nullable=False),
        sa.Column("keep_days", sa.Integer(), nullable=False),
        sa.Column("unsubmitted_days", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "open",
                "closed",
                "submitted",
                "anonymised",
                name="petition_state",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", campaign.db.UTCDateTime(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("submitted_to", sa.String(length=200), nullable=False),
        sa.Column("submission_note", sa.Text(), nullable=False),
        sa.Column("anonymised_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_petitions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petitions")),
    )
    op.create_table(
        "petition_paper_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("signatures", sa.Integer(), nullable=False),
        sa.Column("sheets", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", campaign.db.UTCDateTime(), nullable=False),
        sa.Column("corrected_at", campaign.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_petition_paper_batches_branch_id_branches"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_petition_paper_batches_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_petition_paper_batches_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_paper_batches")),
    )
    op.create_index(
        op.f("ix_petition_paper_batches_branch_id"), "petition_paper_batches", ["branch_id"]
    )
    op.create_index(
        op.f("ix_petition_paper_batches_petition_id"), "petition_paper_batches", ["petition_id"]
    )
    op.create_table(
        "petition_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("prefecture_code", sa.String(length=2), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "counted",
                "invalid",
                name="petition_signature_state",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("signer_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("name_tag", sa.LargeBinary(length=16), nullable=False),
        sa.Column("address_tag", sa.LargeBinary(length=16), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_petition_signatures_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_signatures")),
        sa.UniqueConstraint("petition_id", "signer_hash", name="uq_petition_signatures_signer"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_petition_signatures_token_hash")),
    )
    op.create_index(
        "ix_petition_signatures_count",
        "petition_signatures",
        ["petition_id", "state", "prefecture_code"],
    )
    op.create_table(
        "petition_tallies",
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("prefecture_code", sa.String(length=2), nullable=False),
        sa.Column("online", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_petition_tallies_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("petition_id", "prefecture_code", name=op.f("pk_petition_tallies")),
    )


def downgrade() -> None:
    op.drop_table("petition_tallies")
    op.drop_index("ix_petition_signatures_count", table_name="petition_signatures")
    op.drop_table("petition_signatures")
    op.drop_index(
        op.f("ix_petition_paper_batches_petition_id"), table_name="petition_paper_batches"
    )
    op.drop_index(op.f("ix_petition_paper_batches_branch_id"), table_name="petition_paper_batches")
    op.drop_table("petition_paper_batches")
    op.drop_table("petitions")
