"""Hardening (second session): backup, counts and jobs.

Revision ID: 0013_hardening
Revises: 0012_surveys
Create Date: 2026-12-01 13:15:00
"""

revision = "0013_hardening"
down_revision = "0012_surveys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that work landing side by side adds its
    tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
