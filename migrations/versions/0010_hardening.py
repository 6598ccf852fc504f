"""Hardening: shared attachment storage, encrypted TOTP secrets.

Revision ID: 0010_hardening
Revises: 0009_survey_codes
Create Date: 2026-12-01 10:00:00
"""

revision = "0010_hardening"
down_revision = "0009_survey_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that features arriving side by side add
    their tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
