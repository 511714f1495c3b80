"""report targets for feeling safe

Revision ID: a1f914a66254
Revises: 0db65e25cd8f
Create Date: 2026-12-06 10:04:46.143966

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1f914a66254'
down_revision = '0db65e25cd8f'
branch_labels = None
depends_on = None


def upgrade():
    # Empty for every borough that has targets already: "no target set" until staff add one.
    with op.batch_alter_table('report_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feeling_safe_target', sa.Numeric(precision=4, scale=1), nullable=True))
        batch_op.create_check_constraint(
            'feeling_safe_target_is_a_percentage',
            'feeling_safe_target IS NULL OR (feeling_safe_target >= 0 AND feeling_safe_target <= 100)')


def downgrade():
    with op.batch_alter_table('report_targets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_report_targets_feeling_safe_target_is_a_percentage'), type_='check')
        batch_op.drop_column('feeling_safe_target')
