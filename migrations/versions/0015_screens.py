"""Screens (second session): page editor and public pages.

Revision ID: 0015_screens
Revises: 0014_petitions
Create Date: 2026-12-01 13:15:00
"""

revision = "0015_screens"
down_revision = "0014_petitions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that work landing side by side adds its
    tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
