"""Every table augcheck stores, in one place (SQLAlchemy 2 declarative models).

``Base.metadata`` is the whole schema: ``Store`` creates it on first use, and migrations are
generated against it. Rounds' tables live here too, so the store and the rounds module both import
this module and neither imports the other for its tables.

Nothing here is audio-specific beyond the ``kind`` of a media item and the optional audio facts
(sample rate, duration) it records, so images can be stored the same way.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: What a media item is (the ``media.kind`` column).
MEDIA_KINDS = ("speech", "noise", "impulse_response", "image", "texture")
#: Kinds that are pictures (decoded with augment.image; ``transcript`` holds an image's label).
IMAGE_KINDS = ("image", "texture")
#: Which data split a clip belongs to (``media.split``), if any.
SPLITS = ("train", "val", "test")
#: A recipe's review status (``recipes.status``).
STATUSES = ("draft", "in review", "accepted", "rejected")
#: What a round sample is (``round_samples.kind``): a recipe's rendering or a hidden anchor.
SAMPLE_KINDS = ("recipe", "clean", "bad")


def now() -> dt.datetime:
    """The time stored with a row: UTC, whole seconds."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class Base(DeclarativeBase):
    pass


# --- library, recipes, reviews ---------------------------------------------------------------
class MediaRow(Base):
    __tablename__ = "media"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    format: Mapped[str] = mapped_column(String(32), default="")
    sample_rate: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channels: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    transcript: Mapped[str | None] = mapped_column(Text, nullable=True)
    split: Mapped[str | None] = mapped_column(String(16), nullable=True)
    origin: Mapped[str] = mapped_column(String(16), default="upload")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: Set when deleted: the bytes are gone from ``blobs``, the row stays for reviews and rounds.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class BlobRow(Base):
    __tablename__ = "blobs"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class RecipeRow(Base):
    __tablename__ = "recipes"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: Set when archived: hidden from lists, kept with its reviews; ``None`` again to unarchive.
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReviewRow(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipe_id: Mapped[str] = mapped_column(ForeignKey("recipes.id"), index=True)
    recipe_json: Mapped[str] = mapped_column(Text)
    params_json: Mapped[str] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(Integer)
    clip_hash: Mapped[str] = mapped_column(String(64), index=True)
    noise_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    inputs_json: Mapped[str] = mapped_column(Text, default="{}")
    reviewer: Mapped[str] = mapped_column(String(255), index=True)
    realistic: Mapped[bool] = mapped_column(Boolean)
    clear: Mapped[bool] = mapped_column(Boolean)
    model_poor: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    metrics_json: Mapped[str] = mapped_column(Text, default="{}")
    origin: Mapped[str] = mapped_column(String(16), default="studio")
    app_version: Mapped[str] = mapped_column(String(32))
    versions_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class MetaRow(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- review rounds -----------------------------------------------------------------------------
class RoundRow(Base):
    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(255))
    settings_json: Mapped[str] = mapped_column(Text)
    #: set when an engineer closes the round: later answers are refused, its results are final
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)


class RoundSampleRow(Base):
    __tablename__ = "round_samples"
    __table_args__ = (UniqueConstraint("round_id", "position", name="uq_round_sample_position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    recipe_id: Mapped[str | None] = mapped_column(ForeignKey("recipes.id"), nullable=True)
    recipe_json: Mapped[str] = mapped_column(Text)
    clip_hash: Mapped[str] = mapped_column(String(64))
    noise_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ir_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed: Mapped[int] = mapped_column(Integer)


class RoundAnswerRow(Base):
    """A labeler's answer to one round sample: insert-only, one per (round, sample, labeler)."""

    __tablename__ = "round_answers"
    __table_args__ = (
        UniqueConstraint("round_id", "sample_id", "labeler", name="uq_round_answer"),
        Index("ix_round_answers_round_labeler", "round_id", "labeler"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    sample_id: Mapped[int] = mapped_column(ForeignKey("round_samples.id"))
    labeler: Mapped[str] = mapped_column(String(255))
    realistic: Mapped[bool] = mapped_column(Boolean)
    clear: Mapped[bool] = mapped_column(Boolean)
    model_poor: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


#: The whole schema, as the code uses it. The database gets it from the migrations
#: (``migrations/versions``; a change here needs a new revision: ``tests/test_migrations.py``
#: compares the two).
metadata = Base.metadata

__all__ = [
    "IMAGE_KINDS",
    "MEDIA_KINDS",
    "SAMPLE_KINDS",
    "SPLITS",
    "STATUSES",
    "Base",
    "BlobRow",
    "MediaRow",
    "MetaRow",
    "RecipeRow",
    "ReviewRow",
    "RoundAnswerRow",
    "RoundRow",
    "RoundSampleRow",
    "metadata",
    "now",
]
