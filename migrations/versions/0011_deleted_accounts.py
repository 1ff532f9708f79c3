"""deleted accounts: a member row stays as a tombstone when its account is deleted

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29

Deleting an account erases everything that belongs to the member (profile,
connections, invitations, settings, grants, histories, sessions), scrubs the
sign-in e-mail and password, and keeps the row with ``deleted_at`` set: the
access log names members by id, and a deleted id must never be given to
someone else (SQLite would reuse the highest rowid of a deleted row).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
