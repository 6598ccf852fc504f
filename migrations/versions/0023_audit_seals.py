"""Audit seals: each entry's hash sealed with a key derived from the data key.

The hash chain needs no secret, so whoever could write the database (and drop the append-only
triggers) could rewrite an entry and re-hash every entry after it, and the chain would verify.
``audit_entries.seal`` is HMAC-SHA256 of the entry's hash under a key derived from the data key
(campaign/audit/services.py ``seal_key``), which never enters the database. The upgrade seals
the entries already written: it vouches for the log as it stands when the operator upgrades,
so run ``audit verify`` just before upgrading.

The data key comes from the app when the upgrade runs inside it (``flask init``), else from
``NAISHIN_DATA_KEY`` or the instance folder's ``data_key`` file.

Revision ID: 0023_audit_seals
Revises: 0022_case_pair_counts
Create Date: 2026-12-01 17:10:00
"""

import hashlib
import hmac
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0023_audit_seals"
down_revision = "0022_case_pair_counts"
branch_labels = None
depends_on = None

SEAL_CONTEXT = "audit-chain-seal"  # as campaign/audit/services.py derives it, at this revision

# The append-only triggers of revision 0001, lifted for the one UPDATE that adds the seals.
LIFT = {
    "sqlite": ["DROP TRIGGER audit_no_update"],
    "postgresql": ["ALTER TABLE audit_entries DISABLE TRIGGER audit_append_only"],
}
RESTORE = {
    "sqlite": [
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    ],
    "postgresql": ["ALTER TABLE audit_entries ENABLE TRIGGER audit_append_only"],
}


def _data_key() -> bytes:
    from flask import current_app, has_app_context

    from campaign import config, datakey

    if has_app_context() and "naishin.data_key" in current_app.extensions:
        return current_app.extensions["naishin.data_key"]
    root = Path(__file__).resolve().parents[2]
    instance = Path(config.instance_path_from_env(str(root / "instance")))
    return datakey.load_key(instance, os.environ.get("NAISHIN_DATA_KEY"))


def upgrade() -> None:
    """Add the column; seal every entry already written (none on a new database)."""
    op.add_column("audit_entries", sa.Column("seal", sa.String(64), nullable=True))
    bind = op.get_bind()
    entries = sa.table("audit_entries", sa.column("seq"), sa.column("hash"), sa.column("seal"))
    rows = bind.execute(sa.select(entries.c.seq, entries.c.hash)).all()
    if not rows:
        return
    from campaign import datakey

    key = datakey.subkey(SEAL_CONTEXT, _data_key())
    dialect = bind.dialect.name
    for statement in LIFT.get(dialect, []):
        op.execute(statement)
    update = (
        entries.update()
        .where(entries.c.seq == sa.bindparam("entry"))
        .values(seal=sa.bindparam("value"))
    )
    values = [
        {"entry": seq, "value": hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()}
        for seq, digest in rows
    ]
    for start in range(0, len(values), 1000):
        bind.execute(update, values[start : start + 1000])
    for statement in RESTORE.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    """Drop the seals (a plain DROP COLUMN: a batch rebuild would drop the triggers)."""
    op.execute("ALTER TABLE audit_entries DROP COLUMN seal")
