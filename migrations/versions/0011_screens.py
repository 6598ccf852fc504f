"""Screens: survey scale labels and other UI data.

Revision ID: 0011_screens
Revises: 0010_hardening
Create Date: 2026-12-01 10:00:00
"""

revision = "0011_screens"
down_revision = "0010_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that features arriving side by side add
    their tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
