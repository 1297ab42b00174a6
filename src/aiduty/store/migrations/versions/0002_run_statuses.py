"""check_runs.statuses: duty id -> status of each run, so that impact between runs reads little

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('check_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statuses', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('check_runs', schema=None) as batch_op:
        batch_op.drop_column('statuses')
