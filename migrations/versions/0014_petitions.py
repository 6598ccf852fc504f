"""Petitions (second session).

Revision ID: 0014_petitions
Revises: 0013_hardening
Create Date: 2026-12-01 13:15:00
"""

revision = "0014_petitions"
down_revision = "0013_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that work landing side by side adds its
    tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
