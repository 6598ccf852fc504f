"""Formal requests (要請書): requests, addressees, items and their cited cases, revisions,
written answers, outcomes, sender settings.

Revision ID: 0007_formal_requests
Revises: 0006_platform
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import campaign.db

revision = "0007_formal_requests"
down_revision = "0006_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The tables of formal requests (see campaign/formal_requests/models.py)."""
    op.create_table(
        "formal_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("representative", sa.String(length=200), nullable=False),
        sa.Column("overdue_days", sa.Integer(), nullable=False),
        sa.Column("evidence_minimum", sa.Integer(), nullable=False),
        sa.Column("updated_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_formal_settings_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formal_settings")),
        sa.UniqueConstraint("scope", name=op.f("uq_formal_settings_scope")),
    )
    op.create_table(
        "formal_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("preamble", sa.Text(), nullable=False),
        sa.Column("closing", sa.String(length=20), nullable=False),
        sa.Column("document_number", sa.String(length=200), nullable=False),
        sa.Column("dated_on", sa.Date(), nullable=True),
        sa.Column("era_dates", sa.Boolean(), nullable=False),
        sa.Column("appendix", sa.Boolean(), nullable=False),
        sa.Column("sender_organisation", sa.String(length=200), nullable=False),
        sa.Column("sender_representative", sa.String(length=200), nullable=False),
        sa.Column("follows_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", campaign.db.UTCDateTime(), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("sent_how", sa.String(length=200), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=True),
        sa.Column("meeting_place", sa.String(length=200), nullable=False),
        sa.Column("attendees_ours", sa.String(length=500), nullable=False),
        sa.Column("attendees_theirs", sa.String(length=500), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("published_at", campaign.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", campaign.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_formal_requests_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_formal_requests_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by_id"], ["users.id"], name=op.f("fk_formal_requests_drafted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["follows_id"],
            ["formal_requests.id"],
            name=op.f("fk_formal_requests_follows_id_formal_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formal_requests")),
    )
    with op.batch_alter_table("formal_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_formal_requests_branch_state", ["branch_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_formal_requests_follows_id"), ["follows_id"], unique=False
        )
        batch_op.create_index("ix_formal_requests_state_sent", ["state", "sent_on"], unique=False)

    op.create_table(
        "formal_addressees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("honorific", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["formal_requests.id"],
            name=op.f("fk_formal_addressees_request_id_formal_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formal_addressees")),
    )
    with op.batch_alter_table("formal_addressees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_formal_addressees_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "formal_answer_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["formal_requests.id"],
            name=op.f("fk_formal_answer_files_request_id_formal_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_formal_answer_files_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formal_answer_files")),
    )
    with op.batch_alter_table("formal_answer_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_formal_answer_files_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "formal_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("follows_item_id", sa.Integer(), nullable=True),
        sa.Column("standing", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answer_en", sa.Text(), nullable=False),
        sa.Column("answered_at", campaign.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["follows_item_id"],
            ["formal_items.id"],
            name=op.f("fk_formal_items_follows_item_id_formal_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["formal_items.id"],
            name=op.f("fk_formal_items_parent_id_formal_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["formal_requests.id"],
            name=op.f("fk_formal_items_request_id_formal_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formal_items")),
    )
    with op.batch_alter_table("formal_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_formal_items_follows_item_id"), ["follows_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_formal_items_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_formal_items_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "formal_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_formal_outcomes_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["formal_requests.id"],
            name=op.f("fk_formal_outcomes_request_id_formal_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formal_outcomes")),
    )
    with op.batch_alter_table("formal_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_formal_outcomes_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "formal_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["formal_requests.id"],
            name=op.f("fk_formal_revisions_request_id_formal_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_by_id"], ["users.id"], name=op.f("fk_formal_revisions_saved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formal_revisions")),
    )
    with op.batch_alter_table("formal_revisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_formal_revisions_request_number", ["request_id", "number"], unique=False
        )

    op.create_table(
        "formal_item_cases",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_formal_item_cases_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["formal_items.id"],
            name=op.f("fk_formal_item_cases_item_id_formal_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "case_id", name=op.f("pk_formal_item_cases")),
    )
    with op.batch_alter_table("formal_item_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_formal_item_cases_case_item", ["case_id", "item_id"], unique=False
        )


def downgrade() -> None:
    """Drop them, children first."""
    with op.batch_alter_table("formal_item_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_formal_item_cases_case_item")

    op.drop_table("formal_item_cases")
    with op.batch_alter_table("formal_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_formal_revisions_request_number")

    op.drop_table("formal_revisions")
    with op.batch_alter_table("formal_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_formal_outcomes_request_id"))

    op.drop_table("formal_outcomes")
    with op.batch_alter_table("formal_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_formal_items_request_id"))
        batch_op.drop_index(batch_op.f("ix_formal_items_parent_id"))
        batch_op.drop_index(batch_op.f("ix_formal_items_follows_item_id"))

    op.drop_table("formal_items")
    with op.batch_alter_table("formal_answer_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_formal_answer_files_request_id"))

    op.drop_table("formal_answer_files")
    with op.batch_alter_table("formal_addressees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_formal_addressees_request_id"))

    op.drop_table("formal_addressees")
    with op.batch_alter_table("formal_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_formal_requests_state_sent")
        batch_op.drop_index(batch_op.f("ix_formal_requests_follows_id"))
        batch_op.drop_index("ix_formal_requests_branch_state")

    op.drop_table("formal_requests")
    op.drop_table("formal_settings")
