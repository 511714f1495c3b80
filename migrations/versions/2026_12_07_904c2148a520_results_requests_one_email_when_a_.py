"""results requests: one email when a borough's report is published

Revision ID: 904c2148a520
Revises: 4e4aac8f450d
Create Date: 2026-12-07 21:26:57.828069

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '904c2148a520'
down_revision = '4e4aac8f450d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('results_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_requested_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['borough_id'], ['boroughs.id'], name=op.f('fk_results_requests_borough_id_boroughs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_results_requests_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results_requests')),
    sa.UniqueConstraint('consultation_id', 'borough_id', 'email', name=op.f('uq_results_requests_consultation_id_borough_id_email'))
    )


def downgrade():
    op.drop_table('results_requests')
