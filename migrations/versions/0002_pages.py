"""information pages and their revisions

Revision ID: 0002_pages
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import campaign.db

revision = "0002_pages"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "info_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("latest_number", sa.Integer(), nullable=False),
        sa.Column("published_number", sa.Integer(), nullable=True),
        sa.Column("published_at", campaign.db.UTCDateTime(), nullable=True),
        sa.Column("updated_at", campaign.db.UTCDateTime(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_info_pages_slug")),
    )
    op.create_table(
        "info_page_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title_ja", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description_ja", sa.String(length=300), nullable=False),
        sa.Column("description_en", sa.String(length=300), nullable=False),
        sa.Column("body_ja", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_info_page_revisions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["info_pages.id"], name=op.f("fk_info_page_revisions_page_id_info_pages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_page_revisions")),
        sa.UniqueConstraint("page_id", "number", name=op.f("uq_info_page_revisions_page_id")),
    )
    op.create_index(
        op.f("ix_info_page_revisions_page_id"), "info_page_revisions", ["page_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_info_page_revisions_page_id"), table_name="info_page_revisions")
    op.drop_table("info_page_revisions")
    op.drop_table("info_pages")
