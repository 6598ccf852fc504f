"""One head again after the information pages, case reports and surveys arrived side by side.

Revision ID: 0005_merge_features
Revises: 0002_pages, 0003_cases, 0004_surveys
Create Date: 2026-11-23 07:30:00
"""

revision = "0005_merge_features"
down_revision = ("0002_pages", "0003_cases", "0004_surveys")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the three branches touch different tables."""


def downgrade() -> None:
    """Nothing to change."""
