"""keys of staff forms sent, so each makes its thing once

Revision ID: 594b89241300
Revises: 52437bcac3b5
Create Date: 2026-12-06 12:03:52.877828

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '594b89241300'
down_revision = '52437bcac3b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sent_forms',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sent_forms_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sent_forms'))
    )
    with op.batch_alter_table('sent_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_forms_sent_at'), ['sent_at'], unique=False)



def downgrade():
    with op.batch_alter_table('sent_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_forms_sent_at'))

    op.drop_table('sent_forms')
