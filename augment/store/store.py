"""Persistence: media (content-addressed), recipes and reviews, through SQLAlchemy 2.

The default is a SQLite file (WAL mode) under ``data/`` in the project (``AUGCHECK_DATA_DIR``
moves the folder, ``AUGCHECK_DB_URL`` replaces the database, e.g. a PostgreSQL URL for a team).
The schema is created on first use; later starts keep every row.

Nothing here is audio-specific beyond the ``kind`` of a media item and the optional audio facts
(sample rate, duration) it records, so images can be stored the same way later.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from augment import __version__
from augment.audio import content_hash, decode
from augment.errors import AugcheckError, ParameterError
from augment.recipe import Recipe

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KINDS = ("speech", "noise", "impulse_response", "image", "overlay")
#: Kinds that are pictures (decoded with augment.image; ``transcript`` holds an image's label).
IMAGE_KINDS = ("image", "overlay")
SPLITS = ("train", "val", "test")
ANSWERS = ("yes", "no", "unknown")
STATUSES = ("draft", "in review", "accepted", "rejected")


def default_url() -> str:
    url = os.environ.get("AUGCHECK_DB_URL")
    if url:
        return url
    folder = Path(os.environ.get("AUGCHECK_DATA_DIR", PROJECT_ROOT / "data"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'augcheck.db'}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class Base(DeclarativeBase):
    pass


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
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MetaRow(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class Media:
    hash: str
    name: str
    kind: str
    format: str
    sample_rate: int | None
    channels: int | None
    duration_s: float | None
    size_bytes: int
    transcript: str | None
    split: str | None
    origin: str
    created_at: dt.datetime

    @property
    def label(self) -> str:
        dur = f", {self.duration_s:.1f} s" if self.duration_s else ""
        return f"{self.name}{dur}"


def _media(row: MediaRow) -> Media:
    return Media(**{f: getattr(row, f) for f in Media.__dataclass_fields__})


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a rendering, stored with every review."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"augcheck": __version__}
    for pkg in ("numpy", "scipy", "soundfile", "soxr", "python-stretch", "librosa", "pillow"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def verdict_for(realistic: bool, clear: bool) -> str:
    """Accept when the sample sounds realistic and its label is still clear; reject otherwise."""
    return "accept" if realistic and clear else "reject"


class Store:
    """The database: one engine, short sessions per call."""

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self.engine = create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        import augment.review.rounds  # noqa: F401  (its tables live on Base; imported here: no cycle)

        Base.metadata.create_all(self.engine)

    # --- media ------------------------------------------------------------------------
    def add_media(
        self,
        data: bytes,
        *,
        name: str,
        kind: str,
        transcript: str | None = None,
        split: str | None = None,
        origin: str = "upload",
    ) -> tuple[Media, bool]:
        """Decode (to validate) and store a file; returns ``(media, created)``.

        The same bytes uploaded twice are one entry (content address). A file that fails to
        decode raises :class:`AugcheckError` before anything is written.
        """
        if kind not in KINDS:
            raise ParameterError(f"kind={kind!r} is not one of {', '.join(KINDS)}")
        if split not in (None, *SPLITS):
            raise ParameterError(f"split={split!r} is not one of {', '.join(SPLITS)}")
        if kind in IMAGE_KINDS:
            from augment.image.io import decode_image
            from augment.image.labels import parse_label

            picture = decode_image(data, name=name)
            parse_label(transcript)  # refuses a malformed label before anything is written
            facts = {"format": picture.format, "sample_rate": None, "channels": picture.channels}
            facts["duration_s"] = None
        else:
            audio = decode(data, name=name)
            facts = {
                "format": audio.format,
                "sample_rate": audio.sample_rate,
                "channels": audio.channels,
                "duration_s": round(audio.duration_s, 4),
            }
        digest = content_hash(data)
        with Session(self.engine) as s, s.begin():
            row = s.get(MediaRow, digest)
            if row is not None:
                return _media(row), False
            s.add(BlobRow(hash=digest, data=data))
            row = MediaRow(
                hash=digest,
                name=name,
                kind=kind,
                **facts,
                size_bytes=len(data),
                transcript=transcript or None,
                split=split,
                origin=origin,
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            return _media(row), True

    def media(self, digest: str) -> Media:
        with Session(self.engine) as s:
            row = s.get(MediaRow, digest)
            if row is None:
                raise AugcheckError(f"no media with hash {digest[:12]}")
            return _media(row)

    def list_media(self, kind: str | None = None) -> list[Media]:
        q = select(MediaRow).order_by(MediaRow.origin.desc(), MediaRow.created_at, MediaRow.name)
        if kind:
            q = q.where(MediaRow.kind == kind)
        with Session(self.engine) as s:
            return [_media(r) for r in s.scalars(q)]

    def media_bytes(self, digest: str) -> bytes:
        with Session(self.engine) as s:
            row = s.get(BlobRow, digest)
            if row is None:
                raise AugcheckError(f"no media with hash {digest[:12]}")
            return row.data

    def update_media(self, digest: str, **fields: Any) -> Media:
        allowed = {"name", "transcript", "split", "kind"}
        bad = sorted(set(fields) - allowed)
        if bad:
            raise ParameterError(f"cannot change media field {bad[0]!r}")
        if "split" in fields and fields["split"] not in (None, *SPLITS):
            raise ParameterError(f"split={fields['split']!r} is not one of {', '.join(SPLITS)}")
        if "kind" in fields and fields["kind"] not in KINDS:
            raise ParameterError(f"kind={fields['kind']!r} is not one of {', '.join(KINDS)}")
        with Session(self.engine) as s, s.begin():
            row = s.get(MediaRow, digest)
            if row is None:
                raise AugcheckError(f"no media with hash {digest[:12]}")
            picture = row.kind in IMAGE_KINDS
            if "kind" in fields and (fields["kind"] in IMAGE_KINDS) != picture:
                raise ParameterError(
                    f"kind={fields['kind']!r}: {row.name!r} is "
                    f"{'a picture' if picture else 'audio'} and stays one"
                )
            if picture and fields.get("transcript"):
                from augment.image.labels import parse_label

                parse_label(fields["transcript"])
            for k, v in fields.items():
                setattr(row, k, v if v != "" else None if k in ("transcript", "split") else v)
            s.flush()
            return _media(row)

    def import_transcripts(self, data: bytes) -> tuple[list[str], list[str]]:
        """Set transcripts from a CSV with ``file`` and ``transcript`` columns.

        Rows are matched to clips by name (the uploaded file's name). Returns the names that
        were updated and those that matched no clip. A malformed CSV changes nothing.
        """
        import csv
        import io

        try:
            text = data.decode("utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(text)))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ParameterError(f"transcripts: not a readable UTF-8 CSV ({exc})") from None
        if not rows or not {"file", "transcript"} <= set(rows[0]):
            raise ParameterError("transcripts: the CSV needs the columns 'file' and 'transcript'")
        updated, unmatched = [], []
        with Session(self.engine) as s, s.begin():
            for r in rows:
                name = (r.get("file") or "").strip()
                found = s.scalars(select(MediaRow).where(MediaRow.name == name)).all()
                if not found:
                    unmatched.append(name)
                    continue
                for row in found:
                    row.transcript = (r.get("transcript") or "").strip() or None
                updated.append(name)
        return updated, unmatched

    # --- recipes ------------------------------------------------------------------------
    def save_recipe(self, recipe: Recipe, *, parent_id: str | None = None) -> str:
        """Store a recipe if new (its id is its content); returns the id. Names are kept."""
        with Session(self.engine) as s, s.begin():
            row = s.get(RecipeRow, recipe.id)
            if row is None:
                s.add(
                    RecipeRow(
                        id=recipe.id,
                        name=recipe.name or recipe.id,
                        json=recipe.to_json(indent=None),
                        parent_id=parent_id,
                        created_at=_now(),
                    )
                )
            elif recipe.name and row.name in ("", row.id):
                row.name = recipe.name
        return recipe.id

    def recipe(self, recipe_id: str) -> Recipe:
        with Session(self.engine) as s:
            row = s.get(RecipeRow, recipe_id)
            if row is None:
                raise AugcheckError(f"no recipe with id {recipe_id}")
            return Recipe.from_json(row.json).with_name(row.name)

    def rename_recipe(self, recipe_id: str, name: str) -> None:
        name = (name or "").strip()
        if not name:
            raise ParameterError("a recipe name cannot be empty")
        with Session(self.engine) as s, s.begin():
            row = s.get(RecipeRow, recipe_id)
            if row is None:
                raise AugcheckError(f"no recipe with id {recipe_id}")
            row.name = name[:255]

    def set_recipe_status(self, recipe_id: str, status: str, *, reason: str, by: str) -> None:
        """Set draft / in review / accepted / rejected, with who, when and why."""
        if status not in STATUSES:
            raise ParameterError(f"status={status!r} is not one of {', '.join(STATUSES)}")
        if not (by or "").strip():
            raise ParameterError("enter your name before changing a recipe's status")
        if not (reason or "").strip():
            raise ParameterError("give a reason for the status change")
        with Session(self.engine) as s, s.begin():
            row = s.get(RecipeRow, recipe_id)
            if row is None:
                raise AugcheckError(f"no recipe with id {recipe_id}")
            row.status, row.status_reason = status, reason.strip()
            row.status_by, row.status_at = by.strip(), _now()

    def recipe_rows(self, *, exclude_ids: set[int] | None = None) -> list[dict[str, Any]]:
        """Every recipe with its review statistics, aggregated in SQL (fast for many reviews).

        ``exclude_ids`` leaves those reviews out (e.g. labelers flagged by attention checks).
        """
        as_int = lambda cond: func.sum(func.cast(cond, Integer))  # noqa: E731
        stats = (
            select(
                ReviewRow.recipe_id.label("rid"),
                func.count(ReviewRow.id).label("n"),
                func.count(func.distinct(ReviewRow.reviewer)).label("nr"),
                as_int(ReviewRow.verdict == "accept").label("acc"),
                as_int(ReviewRow.realistic).label("real"),
                as_int(ReviewRow.clear).label("clear"),
                as_int(ReviewRow.model_poor == "yes").label("poor"),
                as_int(ReviewRow.model_poor != "unknown").label("poor_n"),
                func.max(ReviewRow.created_at).label("last"),
            )
            .where(ReviewRow.id.not_in(sorted(exclude_ids or ())))
            .group_by(ReviewRow.recipe_id)
            .subquery()
        )
        q = select(RecipeRow, stats).outerjoin(stats, stats.c.rid == RecipeRow.id)
        q = q.order_by(func.coalesce(stats.c.last, RecipeRow.created_at).desc())
        out = []
        with Session(self.engine) as s:
            for row in s.execute(q):
                r = row[0]
                out.append(
                    {
                        "id": r.id,
                        "name": r.name,
                        "json": r.json,
                        "status": r.status,
                        "status_reason": r.status_reason,
                        "status_by": r.status_by,
                        "status_at": r.status_at,
                        "parent_id": r.parent_id,
                        "created_at": r.created_at,
                        "reviews": int(row.n or 0),
                        "reviewers": int(row.nr or 0),
                        "accepted": int(row.acc or 0),
                        "realistic": int(row.real or 0),
                        "clear": int(row.clear or 0),
                        "model_poor": int(row.poor or 0),
                        "model_answered": int(row.poor_n or 0),
                        "last_reviewed": row.last,
                    }
                )
        return out

    def list_recipes(self) -> list[dict[str, Any]]:
        with Session(self.engine) as s:
            rows = s.scalars(select(RecipeRow).order_by(RecipeRow.created_at)).all()
            return [
                {"id": r.id, "name": r.name, "status": r.status, "created_at": r.created_at}
                for r in rows
            ]

    # --- reviews ------------------------------------------------------------------------
    def save_review(
        self,
        *,
        recipe: Recipe,
        params: list[dict[str, Any]],
        seed: int,
        clip_hash: str,
        reviewer: str,
        realistic: bool,
        clear: bool,
        model_poor: str,
        note: str = "",
        noise_hash: str | None = None,
        inputs: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        origin: str = "studio",
        rendered_recipe: Recipe | None = None,
        parent_id: str | None = None,
    ) -> int:
        """Store one checklist answer for ``recipe``.

        ``rendered_recipe`` is the recipe actually rendered when it differs from the one the
        answer counts toward (a sweep rung fixes one parameter of a range); its JSON is what is
        kept to re-render the sample bit for bit from the seed.
        """
        reviewer = (reviewer or "").strip()
        if not reviewer:
            raise ParameterError("enter the reviewer's name before saving")
        if model_poor not in ANSWERS:
            raise ParameterError(f"model_poor={model_poor!r} is not one of {', '.join(ANSWERS)}")
        self.save_recipe(recipe, parent_id=parent_id if parent_id != recipe.id else None)
        with Session(self.engine) as s, s.begin():
            row = ReviewRow(
                recipe_id=recipe.id,
                recipe_json=(rendered_recipe or recipe).to_json(indent=None),
                params_json=json.dumps(params),
                seed=int(seed),
                clip_hash=clip_hash,
                noise_hash=noise_hash,
                inputs_json=json.dumps(inputs or {"clip": clip_hash}),
                reviewer=reviewer,
                realistic=bool(realistic),
                clear=bool(clear),
                model_poor=model_poor,
                verdict=verdict_for(realistic, clear),
                note=note or "",
                metrics_json=json.dumps(metrics or {}),
                origin=origin,
                app_version=__version__,
                versions_json=json.dumps(library_versions()),
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            return int(row.id)

    def reviews(
        self,
        *,
        recipe_ids: list[str] | None = None,
        reviewers: list[str] | None = None,
        verdicts: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        q = (
            select(ReviewRow, RecipeRow.name)
            .join(RecipeRow, RecipeRow.id == ReviewRow.recipe_id)
            .order_by(ReviewRow.id.desc())
        )
        if recipe_ids:
            q = q.where(ReviewRow.recipe_id.in_(recipe_ids))
        if reviewers:
            q = q.where(ReviewRow.reviewer.in_(reviewers))
        if verdicts:
            q = q.where(ReviewRow.verdict.in_(verdicts))
        with Session(self.engine) as s:
            return [_review_dict(r, name) for r, name in s.execute(q)]

    def reviewers(self) -> list[str]:
        with Session(self.engine) as s:
            q = select(ReviewRow.reviewer).distinct().order_by(ReviewRow.reviewer)
            return list(s.scalars(q))

    def recipe_summary(self) -> list[dict[str, Any]]:
        """Per recipe: reviews, reviewers, accepts, accept share, last reviewed."""
        q = (
            select(
                RecipeRow.id,
                RecipeRow.name,
                func.count(ReviewRow.id),
                func.count(func.distinct(ReviewRow.reviewer)),
                func.sum(func.cast(ReviewRow.verdict == "accept", Integer)),
                func.max(ReviewRow.created_at),
            )
            .join(ReviewRow, ReviewRow.recipe_id == RecipeRow.id)
            .group_by(RecipeRow.id, RecipeRow.name)
            .order_by(func.max(ReviewRow.created_at).desc())
        )
        with Session(self.engine) as s:
            return [
                {
                    "recipe_id": rid,
                    "recipe": name,
                    "reviews": n,
                    "reviewers": nr,
                    "accepted": int(acc or 0),
                    "accept_pct": round(100.0 * (acc or 0) / n, 1) if n else None,
                    "last_reviewed": last,
                }
                for rid, name, n, nr, acc, last in s.execute(q)
            ]

    # --- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with Session(self.engine) as s:
            row = s.get(MetaRow, key)
            return None if row is None else row.value

    def set_meta(self, key: str, value: str) -> None:
        with Session(self.engine) as s, s.begin():
            s.merge(MetaRow(key=key, value=value))


def _review_dict(r: ReviewRow, recipe_name: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "created_at": r.created_at,
        "reviewer": r.reviewer,
        "recipe_id": r.recipe_id,
        "recipe": recipe_name,
        "verdict": r.verdict,
        "realistic": r.realistic,
        "clear": r.clear,
        "model_poor": r.model_poor,
        "note": r.note,
        "seed": r.seed,
        "clip_hash": r.clip_hash,
        "noise_hash": r.noise_hash,
        "params": json.loads(r.params_json),
        "metrics": json.loads(r.metrics_json),
        "recipe_json": r.recipe_json,
        "inputs": json.loads(r.inputs_json),
        "origin": r.origin,
        "app_version": r.app_version,
        "versions": json.loads(r.versions_json),
    }


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def load_demo_assets(store: Store, folder: str | os.PathLike | None = None) -> int:
    """Put the bundled demo clips, noises and impulse response in the library, once.

    Runs on first start (a marker in the ``meta`` table remembers it), so a demo item the user
    renames stays renamed. Returns how many items were added.
    """
    audio_done = bool(store.get_meta("demo_assets_loaded"))
    # the demo pictures came later: a library made before them still gets them, once
    images_done = bool(store.get_meta("demo_images_loaded"))
    if audio_done and images_done:
        return 0
    folder = Path(folder) if folder else PROJECT_ROOT / "assets"
    manifest = folder / "manifest.json"
    added = 0
    if manifest.exists():
        for item in json.loads(manifest.read_text()):
            if images_done if item["kind"] in IMAGE_KINDS else audio_done:
                continue
            data = (folder / item["file"]).read_bytes()
            _, created = store.add_media(
                data,
                name=item["name"],
                kind=item["kind"],
                transcript=item.get("transcript"),
                origin="demo",
            )
            added += int(created)
    for key, done in (("demo_assets_loaded", audio_done), ("demo_images_loaded", images_done)):
        if not done:
            store.set_meta(key, _now().isoformat())
    return added


__all__ = [
    "IMAGE_KINDS",
    "KINDS",
    "Media",
    "SPLITS",
    "Store",
    "asdict",
    "load_demo_assets",
    "verdict_for",
]
