"""access-log leaf salts: each event sealed from now on has 128 random bits in its leaf

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29

A member's inclusion proof holds the leaf hash of the event beside theirs;
without a secret in that leaf, the events of one request (which share all
but a few guessable columns) could be guessed from it. Events already sealed
keep their leaves (a NULL salt, no ``salt`` key), so the tree and every
signed checkpoint stay as they are, and ``flask audit verify`` passes before
and after.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salt', sa.String(length=32), nullable=True))


def downgrade():
    # The salts go, and with them the leaves of every event sealed since: they
    # no longer verify. Only for taking a development database back.
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.drop_column('salt')
