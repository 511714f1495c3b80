"""Telephone interviews in another language: the draft's language

Revision ID: 090256cb3f50
Revises: be3c3608e290
Create Date: 2026-12-07 23:47:50.360007

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '090256cb3f50'
down_revision = 'be3c3608e290'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response_drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=20), server_default='en', nullable=False))



def downgrade():
    with op.batch_alter_table('response_drafts', schema=None) as batch_op:
        batch_op.drop_column('language')

