"""Surveys, part two (second session): custody, codes and survey screens.

Revision ID: 0012_surveys
Revises: 0011_screens
Create Date: 2026-12-01 13:15:00
"""

revision = "0012_surveys"
down_revision = "0011_screens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that work landing side by side adds its
    tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
