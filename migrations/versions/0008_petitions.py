"""Petitions (署名).

Revision ID: 0008_petitions
Revises: 0007_formal_requests
Create Date: 2026-12-01 10:00:00
"""

revision = "0008_petitions"
down_revision = "0007_formal_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that features arriving side by side add
    their tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
