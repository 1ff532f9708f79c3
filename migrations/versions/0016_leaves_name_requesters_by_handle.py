"""access-log leaves name the requester by handle, not by internal id

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

A member's access-log download carries each event's leaf, the exact bytes
the log hashed, and a leaf held ``requester_id``: the internal id of
whoever read the member's data, and ids count registrations, so the member
learned which of their readers joined first. Events sealed from now on have
``leaf_format`` 2: their leaf holds ``requester_handle`` (the random public
handle, which never changes) instead. Events already sealed keep their leaves
(``leaf_format`` NULL), so the tree and every signed checkpoint stay as they
are, and ``flask audit verify`` passes before and after.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaf_format', sa.SmallInteger(), nullable=True))


def downgrade():
    # The leaves of every event sealed since no longer verify without it. Only
    # for taking a development database back.
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.drop_column('leaf_format')
