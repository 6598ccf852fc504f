"""Surveys part two: invitation codes, custodians, receipts.

Revision ID: 0009_survey_codes
Revises: 0008_petitions
Create Date: 2026-12-01 10:00:00
"""

revision = "0009_survey_codes"
down_revision = "0008_petitions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: a place kept in the chain so that features arriving side by side add
    their tables without creating a second head."""


def downgrade() -> None:
    """Nothing to undo."""
