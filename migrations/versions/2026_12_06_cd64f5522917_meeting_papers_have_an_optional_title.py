"""meeting papers have an optional title

Revision ID: cd64f5522917
Revises: 3a3f30fb2196
Create Date: 2026-12-06 20:32:48.054002

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cd64f5522917'
down_revision = '3a3f30fb2196'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_column('title')
