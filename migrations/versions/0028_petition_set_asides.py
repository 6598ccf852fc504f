"""Petitions: the groups set aside are recorded; the normal form's version of each petition.

``petition_set_asides`` names each address or name group headquarters set aside (by its keyed
tag): a signature of the group that comes to count after the set-aside (its link confirmed, a
repeat taking the person's place, a new one) is set aside too, where it used to count. Rows set
aside before this revision stay set aside; their group has no record (the tag of the group that
was set aside, address or name, was not kept), so the review page offers it to be set aside
again. ``sealed`` keeps the group's name or address sealed under the petition's key, so that a
rehash works its tag out again under a new normal form when no row of it is left (review R8-3).

``petitions.normal_form``: the version of the normal form (``japanese.NORMAL_FORM_VERSION``) the
petition's hashes were made under. The petitions already stored get 1, the form before the
basement floors: each is rehashed once, by ``flask init`` after migrating (a seeder; or by
``petitions rehash``, or a staff review), as an upgrade used to need by hand.

Revision ID: 0028_petition_set_asides
Revises: 0027_petition_random_ids
Create Date: 2026-12-02 02:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_petition_set_asides"
down_revision = "0027_petition_random_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the set-aside groups; every stored petition's hashes are of form 1."""
    op.create_table(
        "petition_set_asides",
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey(
                "petitions.id",
                name="fk_petition_set_asides_petition_id_petitions",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("tag", sa.LargeBinary(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("petition_id", "kind", "tag", name="pk_petition_set_asides"),
    )
    # In place, and the default stays (SQLite cannot drop it without a copy of the table): a
    # batch copy of ``petitions`` drops the old table, and with it, through ON DELETE CASCADE,
    # every signature (as 0019 notes).
    op.add_column(
        "petitions", sa.Column("normal_form", sa.Integer(), nullable=False, server_default="1")
    )


def downgrade() -> None:
    """Drop them (a set-aside then holds only the rows it changed)."""
    op.execute("ALTER TABLE petitions DROP COLUMN normal_form")  # in place, as 0019 does
    op.drop_table("petition_set_asides")
