"""replies asked for: who replied, when, and a note

Revision ID: 3a3f30fb2196
Revises: 729efd6e4f50
Create Date: 2026-12-06 17:33:16.209804

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a3f30fb2196'
down_revision = '729efd6e4f50'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replied_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('replied_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reply_note', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_response_contacts_replied_by_id_users'), 'users', ['replied_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('response_contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_contacts_replied_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reply_note')
        batch_op.drop_column('replied_by_id')
        batch_op.drop_column('replied_at')
