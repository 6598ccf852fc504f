"""Hardening: TOTP secrets sealed with the data key.

Revision ID: 0010_hardening
Revises: 0009_survey_codes
Create Date: 2026-12-01 10:00:00

The secrets already stored are sealed in place with the data key (``NAISHIN_DATA_KEY`` or the
instance folder's ``data_key``, as the app finds it), so existing logins keep working.
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0010_hardening"
down_revision = "0009_survey_codes"
branch_labels = None
depends_on = None

COLUMNS = ("totp_secret", "pending_totp_secret")


def _key() -> bytes:
    from campaign import config, datakey

    root = Path(__file__).resolve().parents[2]
    return datakey.load_key(Path(config.instance_path_from_env(str(root / "instance"))))


def _convert(change) -> None:
    """Rewrite every stored secret with ``change(bytes) -> bytes``."""
    bind = op.get_bind()
    users = sa.table("users", sa.column("id"), *(sa.column(c, sa.LargeBinary) for c in COLUMNS))
    rows = bind.execute(sa.select(users)).all()
    for row in rows:
        values = {c: change(bytes(getattr(row, c))) for c in COLUMNS if getattr(row, c)}
        if values:
            bind.execute(sa.update(users).where(users.c.id == row.id).values(**values))


def upgrade() -> None:
    """Columns become binary, then each secret is sealed."""
    with op.batch_alter_table("users") as batch:
        for column in COLUMNS:
            batch.alter_column(
                column,
                type_=sa.LargeBinary(),
                existing_type=sa.String(64),
                postgresql_using=f"convert_to({column}, 'UTF8')",
            )
    from campaign import datakey

    key = _key()
    _convert(lambda plain: datakey.seal(plain, key))


def downgrade() -> None:
    """Secrets back in the clear, as text."""
    from campaign import datakey

    key = _key()
    _convert(lambda sealed: datakey.unseal(sealed, key))
    with op.batch_alter_table("users") as batch:
        for column in COLUMNS:
            batch.alter_column(
                column,
                type_=sa.String(64),
                existing_type=sa.LargeBinary(),
                postgresql_using=f"convert_from({column}, 'UTF8')",
            )
    if op.get_bind().dialect.name == "sqlite":  # the copied values are still BLOBs there
        for column in COLUMNS:
            op.execute(f"UPDATE users SET {column} = CAST({column} AS TEXT)")  # noqa: S608 (constant names)
