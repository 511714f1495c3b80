"""Questionnaires translated: phrases, content and the language of each response

Revision ID: be3c3608e290
Revises: 904c2148a520
Create Date: 2026-12-07 23:01:00.643512

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be3c3608e290'
down_revision = '904c2148a520'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phrase_translations',
    sa.Column('language', sa.String(length=20), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_phrase_translations_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('language', name=op.f('pk_phrase_translations'))
    )
    op.create_table('content_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=20), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaires.id'], name=op.f('fk_content_translations_questionnaire_id_questionnaires'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_content_translations_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_translations')),
    sa.UniqueConstraint('questionnaire_id', 'language', name=op.f('uq_content_translations_questionnaire_id_language'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=20), server_default='en', nullable=False))



def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('language')

    op.drop_table('content_translations')
    op.drop_table('phrase_translations')
