"""Deleting media and archiving recipes.

``media.deleted_at``: when a clip, noise or impulse response was deleted (its bytes are gone
from ``blobs``; the row stays so reviews and rounds that used it can say so).
``recipes.archived_at``: when a recipe was archived (hidden from lists, kept, can come back).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("recipes") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recipes") as batch:
        batch.drop_column("archived_at")
    with op.batch_alter_table("media") as batch:
        batch.drop_column("deleted_at")
