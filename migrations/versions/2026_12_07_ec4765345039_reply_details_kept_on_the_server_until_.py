"""reply details kept on the server until a draft is sent

What a person says on "Would you like a reply?" was kept in the browser's session cookie
(signed, not encrypted) until they sent their answers. It now has a row a draft, deleted with
the draft. Details in cookies already given are not moved: the person is asked again.

Revision ID: ec4765345039
Revises: cd64f5522917
Create Date: 2026-12-07 12:23:13.124813

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ec4765345039'
down_revision = 'cd64f5522917'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('response_draft_replies',
    sa.Column('draft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('browser_key', sa.String(length=64), nullable=False),
    sa.Column('wants', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['response_drafts.id'], name=op.f('fk_response_draft_replies_draft_id_response_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('draft_id', name=op.f('pk_response_draft_replies'))
    )


def downgrade():
    op.drop_table('response_draft_replies')
