"""Formal requests (要請書).

Revision ID: 0007_formal_requests
Revises: 0006_platform
Create Date: 2026-12-01 10:00:00
"""

revision = "0007_formal_requests"
down_revision = "0006_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that features arriving side by side add
    their tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
