"""connections keep the other member's handle, for handle order

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Connections are listed, paged and exported in the order of the other
member's handle, never by id: ids count registrations, and id order told
which connection joined before which. The handle lives on ``members``, so
every page read and sorted the member's whole network; a copy of it on each
connection row (handles never change) makes the order one index range.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('connections') as batch_op:
        batch_op.add_column(sa.Column('other_handle', sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE connections SET other_handle ="
        " (SELECT handle FROM members WHERE members.id = connections.other_id)"
    )
    with op.batch_alter_table('connections') as batch_op:
        batch_op.alter_column('other_handle', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_index(
            'ix_connections_member_id_other_handle', ['member_id', 'other_handle'], unique=False
        )


def downgrade():
    with op.batch_alter_table('connections') as batch_op:
        batch_op.drop_index('ix_connections_member_id_other_handle')
        batch_op.drop_column('other_handle')
