"""two-step verification for accounts

An authenticator app's secret, when it was turned on and the last time step used, on each
account; and the hashes of its single-use recovery codes. Every account starts with it off.

Revision ID: 1ad487923cdb
Revises: ec4765345039
Create Date: 2026-12-07 12:40:54.343165

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1ad487923cdb'
down_revision = 'ec4765345039'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('two_step_secret', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('two_step_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('two_step_last_step', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('two_step_last_step')
        batch_op.drop_column('two_step_enabled_at')
        batch_op.drop_column('two_step_secret')

    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
