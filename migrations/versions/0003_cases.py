"""coercion case reports: cases, categories (seeded), timeline, comments, attachments

Revision ID: 0003_cases
Revises: 0001
Create Date: 2026-11-23 06:40:42.047418
"""

import sqlalchemy as sa
from alembic import op

import campaign.db

revision = "0003_cases"
down_revision = "0001"
branch_labels = None
depends_on = None

# DOMAIN.md's starting list (headquarters adds more from the web); kept here as data so the
# migration does not change if the application's copy does.
CATEGORIES = (
    ("bulk_forms", "申請書の一括配布", "Pre-printed forms distributed at work"),
    ("forms_collected", "職場での申請書回収", "Forms collected at work"),
    ("status_survey", "取得状況調査", "Status surveys"),
    ("reasons_asked", "不取得理由の記入要求", "Asked to give reasons for having no card"),
    ("dependents", "被扶養者への勧奨", "Dependents targeted"),
    ("non_regular_new", "非常勤・新規採用者への勧奨", "Non-regular or new staff targeted"),
    ("staff_id", "職員証との一体化", "Merged with the staff ID card"),
    ("attendance", "出退勤管理での利用", "Used for attendance"),
    ("mutual_aid_data", "共済組合の個人情報流用", "Mutual-aid data used without consent"),
    ("disadvantage", "不利益取扱い・示唆", "Disadvantage, or hints of it"),
    ("health_insurance", "健康保険証利用の誘導", "Pushed to use it as health-insurance card"),
    ("other", "その他", "Other"),
)


def upgrade() -> None:
    categories = op.create_table(
        "case_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_ja", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_case_categories_code")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("prefecture_code", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("workplace", sa.String(length=200), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_until", sa.Date(), nullable=True),
        sa.Column("occurred_month", sa.String(length=7), nullable=False),
        sa.Column("issuer_kind", sa.String(length=16), nullable=False),
        sa.Column("issuer_name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("staff_affected", sa.Integer(), nullable=True),
        sa.Column("non_regular", sa.Boolean(), nullable=False),
        sa.Column("new_hires", sa.Boolean(), nullable=False),
        sa.Column("dependents", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", campaign.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", campaign.db.UTCDateTime(), nullable=False),
        sa.Column("reported_at", campaign.db.UTCDateTime(), nullable=True),
        sa.Column("closed_at", campaign.db.UTCDateTime(), nullable=True),
        sa.Column("purged_at", campaign.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_cases_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_cases_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_branch_state", ["branch_id", "state"], unique=False)
        batch_op.create_index("ix_cases_closed", ["closed_at", "purged_at"], unique=False)
        batch_op.create_index("ix_cases_issuer_state", ["issuer_kind", "state"], unique=False)
        batch_op.create_index("ix_cases_month_state", ["occurred_month", "state"], unique=False)
        batch_op.create_index(
            "ix_cases_prefecture_state", ["prefecture_code", "state"], unique=False
        )
        batch_op.create_index("ix_cases_state_id", ["state", "id"], unique=False)

    op.create_table(
        "case_stats_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_stats_version")),
    )

    op.create_table(
        "case_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_actions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_case_actions_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_actions")),
    )
    with op.batch_alter_table("case_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_actions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_attachments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_case_attachments_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
    )
    with op.batch_alter_table("case_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_attachments_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_category_links",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_category_links_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["case_categories.id"],
            name=op.f("fk_case_category_links_category_id_case_categories"),
        ),
        sa.PrimaryKeyConstraint("case_id", "category_id", name=op.f("pk_case_category_links")),
    )
    with op.batch_alter_table("case_category_links", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_category_links_category_case", ["category_id", "case_id"], unique=False
        )

    op.create_table(
        "case_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=True),
        sa.Column("created_at", campaign.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_case_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_comments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_comments")),
    )
    with op.batch_alter_table("case_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_comments_case_id"), ["case_id"], unique=False)

    op.bulk_insert(
        categories,
        [
            {"code": code, "name_ja": ja, "name_en": en, "position": position}
            for position, (code, ja, en) in enumerate(CATEGORIES, start=1)
        ],
    )


def downgrade() -> None:
    op.drop_table("case_comments")
    op.drop_table("case_category_links")
    op.drop_table("case_attachments")
    op.drop_table("case_actions")
    op.drop_table("case_stats_version")
    op.drop_table("cases")
    op.drop_table("case_categories")
