"""The platform layer (issue 9).

Revision ID: 0006_platform
Revises: 0005_merge_features
Create Date: 2026-12-01 10:00:00
"""

revision = "0006_platform"
down_revision = "0005_merge_features"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that features arriving side by side add
    their tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
