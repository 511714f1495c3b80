"""news subscriptions and public meeting registration

Revision ID: 2f9eb6d4ff04
Revises: aa9e7d897e7c
Create Date: 2026-11-25 00:25:44.302782

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2f9eb6d4ff04'
down_revision = 'aa9e7d897e7c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('news_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['borough_id'], ['boroughs.id'], name=op.f('fk_news_subscriptions_borough_id_boroughs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news_subscriptions')),
    sa.UniqueConstraint('borough_id', 'email', name=op.f('uq_news_subscriptions_borough_id_email'))
    )
    # An invitation is for a member (user_id) or for someone without an account (email).
    with op.batch_alter_table('meeting_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('access_needs', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('news_subscription_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('registered_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_meeting_invitations_meeting_id_email'), ['meeting_id', 'email'])
        batch_op.create_check_constraint(batch_op.f('ck_meeting_invitations_user_or_email'), '(user_id IS NULL) <> (email IS NULL)')
        batch_op.create_foreign_key(batch_op.f('fk_meeting_invitations_news_subscription_id_news_subscriptions'), 'news_subscriptions', ['news_subscription_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # Invitations of people without an account cannot exist without this revision's columns.
    op.execute('DELETE FROM meeting_invitations WHERE user_id IS NULL')
    with op.batch_alter_table('meeting_invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meeting_invitations_news_subscription_id_news_subscriptions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_meeting_invitations_user_or_email'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_meeting_invitations_meeting_id_email'), type_='unique')
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('registered_at')
        batch_op.drop_column('news_subscription_id')
        batch_op.drop_column('access_needs')
        batch_op.drop_column('name')
        batch_op.drop_column('email')

    op.drop_table('news_subscriptions')
