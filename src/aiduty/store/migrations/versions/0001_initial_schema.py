"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key_id')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity', sa.String(length=100), nullable=False),
    sa.Column('entity_id', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('rechecks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('kb_version', sa.String(length=100), nullable=False),
    sa.Column('kb_content_hash', sa.String(length=100), nullable=False),
    sa.Column('open_key', sa.String(length=300), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('open_key')
    )
    op.create_table('services',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('service_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service_id', 'content_hash'),
    sa.UniqueConstraint('service_id', 'version')
    )
    with op.batch_alter_table('service_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_versions_service_id'), ['service_id'], unique=False)

    op.create_table('signoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=200), nullable=False),
    sa.Column('duty_id', sa.String(length=200), nullable=False),
    sa.Column('signed_by', sa.String(length=200), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('evidence', sa.String(length=2000), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('duty_text_hash', sa.String(length=64), nullable=False),
    sa.Column('kb_version', sa.String(length=100), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signoffs', schema=None) as batch_op:
        batch_op.create_index('ix_signoffs_service_duty', ['service_id', 'duty_id'], unique=False)

    op.create_table('check_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=200), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('recheck_id', sa.Integer(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('kb_version', sa.String(length=100), nullable=False),
    sa.Column('kb_content_hash', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('has_gap', sa.Boolean(), nullable=False),
    sa.Column('report', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recheck_id'], ['rechecks.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['service_versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('check_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_runs_recheck_id'), ['recheck_id'], unique=False)
        batch_op.create_index('ix_check_runs_service_created', ['service_id', 'id'], unique=False)

    op.create_table('recheck_items',
    sa.Column('recheck_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=200), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('worker', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['recheck_id'], ['rechecks.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['check_runs.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recheck_id', 'service_id')
    )
    with op.batch_alter_table('recheck_items', schema=None) as batch_op:
        batch_op.create_index('ix_recheck_items_pending', ['recheck_id', 'done', 'seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('recheck_items', schema=None) as batch_op:
        batch_op.drop_index('ix_recheck_items_pending')

    op.drop_table('recheck_items')
    with op.batch_alter_table('check_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_check_runs_service_created')
        batch_op.drop_index(batch_op.f('ix_check_runs_recheck_id'))

    op.drop_table('check_runs')
    with op.batch_alter_table('signoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_signoffs_service_duty')

    op.drop_table('signoffs')
    with op.batch_alter_table('service_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_versions_service_id'))

    op.drop_table('service_versions')
    op.drop_table('services')
    op.drop_table('rechecks')
    op.drop_table('audit_log')
    op.drop_table('api_keys')
