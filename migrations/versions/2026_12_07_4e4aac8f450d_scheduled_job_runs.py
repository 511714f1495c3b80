"""scheduled job runs: when each periodic task last started, finished and failed

Revision ID: 4e4aac8f450d
Revises: 59bdd279959b
Create Date: 2026-12-07 21:10:15.974279

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4e4aac8f450d'
down_revision = '59bdd279959b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_job_runs',
    sa.Column('task', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('failed_at', sa.DateTime(), nullable=True),
    sa.Column('failure', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('task', name=op.f('pk_scheduled_job_runs'))
    )


def downgrade():
    op.drop_table('scheduled_job_runs')
