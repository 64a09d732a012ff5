"""directory revisions (offer and reference item versions), staff accounts, sessions, audit

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('knowledge_versions', sa.Column('author', sa.String(length=100), nullable=True))
    op.add_column('knowledge_versions', sa.Column('comment', sa.Text(), nullable=True))
    op.add_column('knowledge_versions', sa.Column('source', sa.String(length=32), nullable=True))
    op.add_column('knowledge_versions', sa.Column('summary', sa.JSON(), nullable=True))
    op.add_column(
        'offers',
        sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table('offer_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('offer_id', sa.String(length=100), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['revision'], ['knowledge_versions.version'], name=op.f('fk_offer_versions_revision_knowledge_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_versions'))
    )
    op.create_index('ix_offer_versions_offer', 'offer_versions', ['offer_id', 'revision'], unique=False)
    op.create_index(op.f('ix_offer_versions_revision'), 'offer_versions', ['revision'], unique=False)
    op.create_table('directory_items',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['revision'], ['knowledge_versions.version'], name=op.f('fk_directory_items_revision_knowledge_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_directory_items'))
    )
    op.create_table('directory_item_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['revision'], ['knowledge_versions.version'], name=op.f('fk_directory_item_versions_revision_knowledge_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_item_versions'))
    )
    op.create_index('ix_directory_item_versions_item', 'directory_item_versions', ['kind', 'key', 'revision'], unique=False)
    op.create_index(op.f('ix_directory_item_versions_revision'), 'directory_item_versions', ['revision'], unique=False)
    op.create_table('staff_accounts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_staff_accounts_name'))
    )
    op.create_table('staff_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_accounts.id'], name=op.f('fk_staff_sessions_account_id_staff_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_staff_sessions'))
    )
    op.create_index(op.f('ix_staff_sessions_account_id'), 'staff_sessions', ['account_id'], unique=False)
    op.create_index(op.f('ix_staff_sessions_expires_at'), 'staff_sessions', ['expires_at'], unique=False)
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_name', sa.String(length=100), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    op.create_index('ix_login_attempts_client', 'login_attempts', ['client', 'created_at'], unique=False)
    op.create_index('ix_login_attempts_name', 'login_attempts', ['account_name', 'created_at'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('object_kind', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=100), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_created_at'), 'audit_log', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_log_created_at'), table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index('ix_login_attempts_name', table_name='login_attempts')
    op.drop_index('ix_login_attempts_client', table_name='login_attempts')
    op.drop_table('login_attempts')
    op.drop_index(op.f('ix_staff_sessions_expires_at'), table_name='staff_sessions')
    op.drop_index(op.f('ix_staff_sessions_account_id'), table_name='staff_sessions')
    op.drop_table('staff_sessions')
    op.drop_table('staff_accounts')
    op.drop_index(op.f('ix_directory_item_versions_revision'), table_name='directory_item_versions')
    op.drop_index('ix_directory_item_versions_item', table_name='directory_item_versions')
    op.drop_table('directory_item_versions')
    op.drop_table('directory_items')
    op.drop_index(op.f('ix_offer_versions_revision'), table_name='offer_versions')
    op.drop_index('ix_offer_versions_offer', table_name='offer_versions')
    op.drop_table('offer_versions')
    with op.batch_alter_table('offers') as batch:
        batch.drop_column('retired')
    with op.batch_alter_table('knowledge_versions') as batch:
        batch.drop_column('summary')
        batch.drop_column('source')
        batch.drop_column('comment')
        batch.drop_column('author')
