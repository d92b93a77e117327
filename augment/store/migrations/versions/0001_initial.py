"""The first schema: media, blobs, recipes, reviews, meta, rounds, round samples and answers.

This is the schema as ``create_all`` made it before migrations existed (same tables, columns,
indexes and constraint names), so such a database is stamped at this revision and upgraded
from here. Frozen: never edit it; a schema change is a new revision.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "media",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("split", sa.String(16), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_media_kind", "media", ["kind"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "recipes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_by", sa.String(255), nullable=True),
        sa.Column("status_at", TS, nullable=True),
        sa.Column("parent_id", sa.String(32), nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
    )
    op.create_index("ix_rounds_token", "rounds", ["token"], unique=True)
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("recipe_id", sa.String(32), sa.ForeignKey("recipes.id"), nullable=False),
        sa.Column("recipe_json", sa.Text(), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("clip_hash", sa.String(64), nullable=False),
        sa.Column("noise_hash", sa.String(64), nullable=True),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("realistic", sa.Boolean(), nullable=False),
        sa.Column("clear", sa.Boolean(), nullable=False),
        sa.Column("model_poor", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("metrics_json", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("app_version", sa.String(32), nullable=False),
        sa.Column("versions_json", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    for col in ("verdict", "recipe_id", "clip_hash", "reviewer"):
        op.create_index(f"ix_reviews_{col}", "reviews", [col])
    op.create_table(
        "round_samples",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipe_id", sa.String(32), sa.ForeignKey("recipes.id"), nullable=True),
        sa.Column("recipe_json", sa.Text(), nullable=False),
        sa.Column("clip_hash", sa.String(64), nullable=False),
        sa.Column("noise_hash", sa.String(64), nullable=True),
        sa.Column("ir_hash", sa.String(64), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.UniqueConstraint("round_id", "position", name="uq_round_sample_position"),
    )
    op.create_index("ix_round_samples_round_id", "round_samples", ["round_id"])
    op.create_table(
        "round_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("round_samples.id"), nullable=False),
        sa.Column("labeler", sa.String(255), nullable=False),
        sa.Column("realistic", sa.Boolean(), nullable=False),
        sa.Column("clear", sa.Boolean(), nullable=False),
        sa.Column("model_poor", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("round_id", "sample_id", "labeler", name="uq_round_answer"),
    )
    op.create_index("ix_round_answers_round_labeler", "round_answers", ["round_id", "labeler"])


def downgrade() -> None:
    for table in (
        "round_answers",
        "round_samples",
        "reviews",
        "rounds",
        "recipes",
        "meta",
        "media",
        "blobs",
    ):
        op.drop_table(table)
