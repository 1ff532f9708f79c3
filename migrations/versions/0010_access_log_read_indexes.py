"""access log read indexes: a member's log in time order, apps and accountable requesters

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29

The member's page now reads their log in time order (occurred_at, then seq)
by keyset, so the per-member indexes end in (occurred_at, seq) instead of
seq; the whole-log time index carries the subject, so digests find who had
events in a week from the index alone; two small partial indexes answer
"which apps" and "who downloaded or synced my data" without reading every
event of a member (bench.accesslog_read: the page went from about a second
to tens of milliseconds for a member with 200,000 events).

On a large PostgreSQL log, building these takes the table's write lock for
tens of seconds (about 50 s for 10 million events here); run it in a quiet
moment, or create the indexes CONCURRENTLY by hand first.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

APP_EVENTS = "app_id IS NOT NULL"
ACCOUNTABLE = "action IN ('download', 'sync')"


def upgrade():
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.drop_index('ix_access_events_subject_seq')
        batch_op.drop_index('ix_access_events_subject_requester_seq')
        batch_op.drop_index('ix_access_events_subject_time')
        batch_op.drop_index('ix_access_events_time')
        batch_op.create_index(
            'ix_access_events_subject_time', ['subject_id', 'occurred_at', 'seq'], unique=False
        )
        batch_op.create_index(
            'ix_access_events_subject_requester_time',
            ['subject_id', 'requester_id', 'occurred_at', 'seq'],
            unique=False,
        )
        batch_op.create_index('ix_access_events_time', ['occurred_at', 'subject_id'], unique=False)
        batch_op.create_index(
            'ix_access_events_subject_app', ['subject_id', 'app_id'], unique=False,
            sqlite_where=sa.text(APP_EVENTS), postgresql_where=sa.text(APP_EVENTS),
        )
        batch_op.create_index(
            'ix_access_events_subject_accountable', ['subject_id', 'requester_id'], unique=False,
            sqlite_where=sa.text(ACCOUNTABLE), postgresql_where=sa.text(ACCOUNTABLE),
        )


def downgrade():
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.drop_index('ix_access_events_subject_accountable')
        batch_op.drop_index('ix_access_events_subject_app')
        batch_op.drop_index('ix_access_events_time')
        batch_op.drop_index('ix_access_events_subject_requester_time')
        batch_op.drop_index('ix_access_events_subject_time')
        batch_op.create_index('ix_access_events_time', ['occurred_at'], unique=False)
        batch_op.create_index(
            'ix_access_events_subject_time', ['subject_id', 'occurred_at'], unique=False
        )
        batch_op.create_index(
            'ix_access_events_subject_requester_seq',
            ['subject_id', 'requester_id', 'seq'],
            unique=False,
        )
        batch_op.create_index('ix_access_events_subject_seq', ['subject_id', 'seq'], unique=False)
