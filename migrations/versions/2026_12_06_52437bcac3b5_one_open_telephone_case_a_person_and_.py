"""one open telephone case a person and questionnaire

Revision ID: 52437bcac3b5
Revises: a1f914a66254
Create Date: 2026-12-06 10:40:12.438428

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '52437bcac3b5'
down_revision = 'a1f914a66254'
branch_labels = None
depends_on = None


def upgrade():
    # A database with the same person on the call list twice for one questionnaire (two open
    # cases, same name and number) stops here: close one of them first.
    with op.batch_alter_table('telephone_cases', schema=None) as batch_op:
        batch_op.create_index('uq_telephone_cases_open_request', ['questionnaire_id', 'phone', 'name'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))


def downgrade():
    with op.batch_alter_table('telephone_cases', schema=None) as batch_op:
        batch_op.drop_index('uq_telephone_cases_open_request', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
