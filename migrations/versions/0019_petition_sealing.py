"""Petitions: the signers' personal data sealed under a key of each petition.

Revision ID: 0019_petition_sealing
Revises: 0018_case_counts
Create Date: 2026-12-01 13:15:00

A petition gets ``sealed_key`` (its own key, wrapped by the data key) in place of ``salt``; a
signature keeps ``sealed`` (name, address and email encrypted under that key) in place of the
``name``, ``address`` and ``email`` columns. Signatures already stored are sealed here, and
their duplicate hashes recomputed under the key derived from the petition's key (see
campaign/petitions/sealing.py). The data key is found as the app finds it
(``NAISHIN_DATA_KEY`` or the instance folder's ``data_key``); the downgrade needs the secret key
too (the old hashes were keyed by it). The old clear-text row versions stay in the database
files until they are scrubbed: the next ``petitions anonymise`` (nightly) does it.

(First committed as 0014_petitions, which databases could already have recorded empty: a
revision, once on main, is never changed; this one carries what was added.)
"""

import hashlib
import hmac
import json
import secrets
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0019_petition_sealing"
down_revision = "0018_case_counts"
branch_labels = None
depends_on = None

PAD = 64


def _instance() -> Path:
    from campaign import config

    root = Path(__file__).resolve().parents[2]
    return Path(config.instance_path_from_env(str(root / "instance")))


def _hashes(key: bytes, name: str, address: str) -> dict:
    """The duplicate hash and review tags as this revision computes them."""
    from campaign.petitions import japanese

    normal_name, normal_address = japanese.normal_name(name), japanese.normal_address(address)

    def mac(label: bytes, *parts: str) -> bytes:
        message = label + b"\x00" + "\x1f".join(parts).encode()
        return hmac.new(key, message, hashlib.sha256).digest()

    return {
        "signer_hash": mac(b"signer", normal_name, normal_address),
        "name_tag": mac(b"name", normal_name)[:16],
        "address_tag": mac(b"address", normal_address)[:16],
    }


def _tables(*signature_columns: str):
    petitions = sa.table(
        "petitions",
        sa.column("id"),
        sa.column("salt", sa.LargeBinary),
        sa.column("sealed_key", sa.LargeBinary),
    )
    signatures = sa.table(
        "petition_signatures",
        sa.column("id"),
        sa.column("petition_id"),
        sa.column("signer_hash", sa.LargeBinary),
        sa.column("name_tag", sa.LargeBinary),
        sa.column("address_tag", sa.LargeBinary),
        *(sa.column(c) for c in signature_columns),
    )
    return petitions, signatures


def _drop_petitions_column(name: str) -> None:
    """``ALTER TABLE … DROP COLUMN`` in place (SQLite 3.35 and later do it too): a batch copy
    of ``petitions`` would drop the old table, and with it, through ON DELETE CASCADE, every
    signature."""
    op.execute(f"ALTER TABLE petitions DROP COLUMN {name}")


def upgrade() -> None:
    """New columns; each open petition's key made and its signatures sealed; old columns go."""
    op.add_column("petitions", sa.Column("sealed_key", sa.LargeBinary(length=72), nullable=True))
    op.add_column("petition_signatures", sa.Column("sealed", sa.LargeBinary(), nullable=True))
    from nacl.secret import SecretBox

    from campaign import datakey

    bind = op.get_bind()
    petitions, signatures = _tables("name", "address", "email", "sealed")
    keyed = bind.execute(sa.select(petitions.c.id).where(petitions.c.salt.is_not(None))).all()
    data_key = datakey.load_key(_instance()) if keyed else None
    for (petition_id,) in keyed:
        key = secrets.token_bytes(SecretBox.KEY_SIZE)
        hash_key = hmac.new(key, b"petition-signers", hashlib.sha256).digest()
        box = SecretBox(key)
        bind.execute(
            sa.update(petitions)
            .where(petitions.c.id == petition_id)
            .values(sealed_key=datakey.seal(key, data_key))
        )
        rows = bind.execute(
            sa.select(signatures).where(signatures.c.petition_id == petition_id)
        ).all()
        for row in rows:
            plain = json.dumps([row.name, row.address, row.email], ensure_ascii=False).encode()
            plain += b" " * (-len(plain) % PAD)
            bind.execute(
                sa.update(signatures)
                .where(signatures.c.id == row.id)
                .values(
                    sealed=bytes(box.encrypt(plain)), **_hashes(hash_key, row.name, row.address)
                )
            )
    # Rows of petitions without a salt (never opened, or anonymised) cannot exist; be sure.
    bind.execute(sa.delete(signatures).where(signatures.c.sealed.is_(None)))
    with op.batch_alter_table("petition_signatures") as batch:
        batch.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("name")
        batch.drop_column("address")
        batch.drop_column("email")
    _drop_petitions_column("salt")


def downgrade() -> None:
    """The clear-text columns back, from the sealed data; the old keyed hashes recomputed."""
    op.add_column("petitions", sa.Column("salt", sa.LargeBinary(length=32), nullable=True))
    with op.batch_alter_table("petition_signatures") as batch:
        batch.add_column(sa.Column("name", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    from nacl.secret import SecretBox

    from campaign import config, datakey

    bind = op.get_bind()
    petitions, signatures = _tables("name", "address", "email", "sealed")
    keyed = bind.execute(
        sa.select(petitions.c.id, petitions.c.sealed_key).where(petitions.c.sealed_key.is_not(None))
    ).all()
    if keyed:
        data_key = datakey.load_key(_instance())
        secret_key = config.load_secret_key(_instance())
    for petition_id, sealed_key in keyed:
        box = SecretBox(datakey.unseal(bytes(sealed_key), data_key))
        salt = secrets.token_bytes(32)
        old_key = hmac.new(secret_key.encode(), b"petition-signers\x00" + salt, "sha256").digest()
        bind.execute(sa.update(petitions).where(petitions.c.id == petition_id).values(salt=salt))
        rows = bind.execute(
            sa.select(signatures.c.id, signatures.c.sealed).where(
                signatures.c.petition_id == petition_id
            )
        ).all()
        for row in rows:
            name, address, email = json.loads(box.decrypt(bytes(row.sealed)))
            bind.execute(
                sa.update(signatures)
                .where(signatures.c.id == row.id)
                .values(name=name, address=address, email=email, **_hashes(old_key, name, address))
            )
    with op.batch_alter_table("petition_signatures") as batch:
        batch.alter_column("name", existing_type=sa.String(length=60), nullable=False)
        batch.alter_column("address", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("sealed")
    _drop_petitions_column("sealed_key")
