"""outbox index by recipient and time, for emails sent once when a form is sent twice

Revision ID: 729efd6e4f50
Revises: 594b89241300
Create Date: 2026-12-06 12:54:17.567106

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '729efd6e4f50'
down_revision = '594b89241300'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_recipient_created_at', ['recipient', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_recipient_created_at')

