"""Persistence: media (content-addressed), recipes and reviews, through SQLAlchemy 2.

The default is a SQLite file (WAL mode) under ``data/`` in the project (``AUGCHECK_DATA_DIR``
moves the folder, ``AUGCHECK_DB_URL`` replaces the database, e.g. a PostgreSQL URL for a team).
The schema (:mod:`augment.store.schema`) comes from the migrations (:mod:`augment.store.migrate`):
a SQLite file is created or upgraded on start (after a dated backup), any other database by
``python -m augment db upgrade``; later starts keep every row.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, create_engine, delete, event, func, select
from sqlalchemy.orm import Session

from augment import __version__
from augment.audio import content_hash, decode, is_silent
from augment.checklist import ACCEPT, POOR_UNKNOWN, POOR_YES, check_model_poor, verdict_for
from augment.errors import AudioError, NotFoundError, ParameterError
from augment.recipe import Recipe, check_name
from augment.store.records import Media, library_versions, media_from_row, review_dict
from augment.store.schema import (
    MEDIA_KINDS,
    SPLITS,
    STATUSES,
    BlobRow,
    MediaRow,
    MetaRow,
    RecipeRow,
    ReviewRow,
    RoundRow,
    RoundSampleRow,
    now,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The data folder (``AUGCHECK_DATA_DIR``, default ``data/`` in the project), created."""
    folder = Path(os.environ.get("AUGCHECK_DATA_DIR", PROJECT_ROOT / "data"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_url() -> str:
    url = os.environ.get("AUGCHECK_DB_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'augcheck.db'}"


class Store:
    """The database: one engine; each method runs in its own short transaction, or joins the
    caller's (``tx=``) so several calls commit together or not at all::

        with store.transaction() as tx:
            store.save_recipe(recipe, tx=tx)
            review_id = store.save_review(..., tx=tx)
    """

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self.engine = create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        #: The same engine (and pool) for write transactions (on SQLite: BEGIN IMMEDIATE).
        self._writer = self.engine.execution_options(augcheck_write=True)
        from augment.store.migrate import ensure_schema

        #: The dated copy made before this start upgraded the SQLite file (else ``None``).
        self.backup = ensure_schema(self.engine)

    # --- sessions -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: pass the session as ``tx=`` to Store methods (and use it for your
        own queries); it commits when the block ends, and rolls everything back if it raises."""
        with Session(self._writer, expire_on_commit=False) as s, s.begin():
            yield s

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading; nothing in it is committed."""
        with Session(self.engine) as s:
            yield s

    @contextmanager
    def _writing(self, tx: Session | None) -> Iterator[Session]:
        if tx is not None:  # the caller's transaction commits (or rolls back) at its end
            yield tx
        else:
            with self.transaction() as s:
                yield s

    @contextmanager
    def _reading(self, tx: Session | None) -> Iterator[Session]:
        if tx is not None:
            yield tx
        else:
            with self.session() as s:
                yield s

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
        tx: Session | None = None,
    ) -> tuple[Media, bool]:
        """Decode (to validate) and store a file; returns ``(media, created)``.

        The same bytes uploaded twice are one entry (content address). A file that fails to
        decode raises :class:`AugcheckError` before anything is written.
        """
        if kind not in MEDIA_KINDS:
            raise ParameterError(f"kind={kind!r} is not one of {', '.join(MEDIA_KINDS)}")
        if split not in (None, *SPLITS):
            raise ParameterError(f"split={split!r} is not one of {', '.join(SPLITS)}")
        audio = decode(data, name=name)
        if is_silent(audio.samples):  # nothing to mix at an SNR, nothing to convolve with
            what = {"speech": "clean clip", "impulse_response": "impulse response"}.get(kind, kind)
            raise AudioError(
                f"{name}: the file is silent (below -120 dBFS); a silent {what} cannot be used"
            )
        name = name[:255]  # the column's width (a file name can be longer)
        digest = content_hash(data)
        with self._writing(tx) as s:
            row = s.get(MediaRow, digest)
            if row is not None and row.deleted_at is None:
                return media_from_row(row), False
            s.add(BlobRow(hash=digest, data=data))
            if row is not None:  # deleted before, uploaded again: it comes back as given now
                row.deleted_at, row.name, row.kind = None, name, kind
                row.transcript, row.split, row.origin = transcript or None, split, origin
                s.flush()
                return media_from_row(row), True
            row = MediaRow(
                hash=digest,
                name=name,
                kind=kind,
                format=audio.format,
                sample_rate=audio.sample_rate,
                channels=audio.channels,
                duration_s=round(audio.duration_s, 4),
                size_bytes=len(data),
                transcript=transcript or None,
                split=split,
                origin=origin,
                created_at=now(),
            )
            s.add(row)
            s.flush()
            return media_from_row(row), True

    def media(self, digest: str, *, tx: Session | None = None) -> Media:
        with self._reading(tx) as s:
            row = s.get(MediaRow, digest)
            if row is None:
                raise NotFoundError(f"no media with hash {digest[:12]}")
            return media_from_row(row)

    def list_media(
        self,
        kind: str | None = None,
        *,
        include_deleted: bool = False,
        tx: Session | None = None,
    ) -> list[Media]:
        q = select(MediaRow).order_by(MediaRow.origin.desc(), MediaRow.created_at, MediaRow.name)
        if kind:
            q = q.where(MediaRow.kind == kind)
        if not include_deleted:
            q = q.where(MediaRow.deleted_at.is_(None))
        with self._reading(tx) as s:
            return [media_from_row(r) for r in s.scalars(q)]

    def media_bytes(self, digest: str, *, tx: Session | None = None) -> bytes:
        with self._reading(tx) as s:
            row = s.get(BlobRow, digest)
            if row is None:
                media = s.get(MediaRow, digest)
                if media is not None and media.deleted_at is not None:
                    raise NotFoundError(
                        f"{media.name} ({digest[:12]}) was deleted on "
                        f"{media.deleted_at:%Y-%m-%d %H:%M} UTC"
                    )
                raise NotFoundError(f"no media with hash {digest[:12]}")
            return row.data

    def find_media(self, prefix: str, *, tx: Session | None = None) -> Media:
        """The media item whose hash starts with ``prefix`` (at least 8 hex digits; the pages
        show 12 or 16): an unknown or ambiguous prefix is an error naming it."""
        prefix = (prefix or "").strip().lower()
        if len(prefix) < 8 or any(c not in "0123456789abcdef" for c in prefix):
            raise ParameterError(f"{prefix!r} is not a media hash (8 to 64 hex digits)")
        with self._reading(tx) as s:
            q = select(MediaRow).where(MediaRow.hash.startswith(prefix, autoescape=True))
            found = list(s.scalars(q.limit(2)))
            if not found:
                raise NotFoundError(f"no media with hash {prefix}")
            if len(found) > 1:
                raise ParameterError(f"hash {prefix} matches several items: give more digits")
            return media_from_row(found[0])

    def media_usage(self, digest: str, *, tx: Session | None = None) -> dict[str, Any]:
        """How many reviews used a media item (as clip, noise or impulse response) and the
        names of the rounds with samples drawn from it."""
        like = f'%"{digest}"%'  # the ir's hash is only in a review's inputs JSON
        with self._reading(tx) as s:
            n_reviews = s.scalar(
                select(func.count(ReviewRow.id)).where(
                    (ReviewRow.clip_hash == digest)
                    | (ReviewRow.noise_hash == digest)
                    | ReviewRow.inputs_json.like(like)
                )
            )
            used = (
                (RoundSampleRow.clip_hash == digest)
                | (RoundSampleRow.noise_hash == digest)
                | (RoundSampleRow.ir_hash == digest)
            )
            q = (
                select(RoundRow.name)
                .where(RoundRow.id.in_(select(RoundSampleRow.round_id).where(used)))
                .order_by(RoundRow.id)
            )
            return {"reviews": int(n_reviews or 0), "rounds": list(s.scalars(q))}

    def delete_media(self, digest: str, *, tx: Session | None = None) -> Media:
        """Delete a clip, noise or impulse response: its bytes leave the database, and so does
        its transcript (personal data); the row stays, marked deleted, so the reviews that used
        it keep their verdicts (and say the item is deleted) and rounds can tell which samples
        can no longer be played. Deleting twice changes nothing."""
        with self._writing(tx) as s:
            row = s.get(MediaRow, digest)
            if row is None:
                raise NotFoundError(f"no media with hash {digest[:12]}")
            if row.deleted_at is None:
                s.execute(delete(BlobRow).where(BlobRow.hash == digest))
                row.deleted_at, row.transcript = now(), None
                s.flush()
            media = media_from_row(row)
        if tx is None:
            self._scrub()
        return media

    def _scrub(self) -> None:
        """After a delete: no copy of the bytes left where the database keeps old pages.

        SQLite zeroes freed pages (``secure_delete``); the checkpoint empties the write-ahead
        log, which still held the pages as first written. PostgreSQL keeps a deleted row until
        VACUUM; this marks its space free (the bytes are overwritten as the space is reused).
        """
        from sqlalchemy import text

        try:
            if self.engine.dialect.name == "sqlite":
                with self.engine.connect() as c:
                    c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            elif self.engine.dialect.name == "postgresql":
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text("VACUUM blobs"))
        except Exception:  # noqa: BLE001 - best effort: the rows are already gone
            pass

    def update_media(self, digest: str, *, tx: Session | None = None, **fields: Any) -> Media:
        allowed = {"name", "transcript", "split", "kind"}
        bad = sorted(set(fields) - allowed)
        if bad:
            raise ParameterError(f"cannot change media field {bad[0]!r}")
        if "split" in fields and fields["split"] not in (None, *SPLITS):
            raise ParameterError(f"split={fields['split']!r} is not one of {', '.join(SPLITS)}")
        if "kind" in fields and fields["kind"] not in MEDIA_KINDS:
            raise ParameterError(f"kind={fields['kind']!r} is not one of {', '.join(MEDIA_KINDS)}")
        with self._writing(tx) as s:
            row = s.get(MediaRow, digest)
            if row is None:
                raise NotFoundError(f"no media with hash {digest[:12]}")
            for k, v in fields.items():
                setattr(row, k, v if v != "" else None if k in ("transcript", "split") else v)
            s.flush()
            return media_from_row(row)

    def import_transcripts(
        self, data: bytes, *, tx: Session | None = None
    ) -> tuple[list[str], list[str]]:
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
        with self._writing(tx) as s:
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
    def save_recipe(
        self, recipe: Recipe, *, parent_id: str | None = None, tx: Session | None = None
    ) -> str:
        """Store a recipe if new (its id is its content); returns the id. Names are kept."""
        with self._writing(tx) as s:
            row = s.get(RecipeRow, recipe.id)
            if row is None:
                s.add(
                    RecipeRow(
                        id=recipe.id,
                        name=recipe.name or recipe.id,
                        json=recipe.to_json(indent=None),
                        parent_id=parent_id,
                        created_at=now(),
                    )
                )
            elif recipe.name and row.name in ("", row.id):
                row.name = recipe.name
        return recipe.id

    def recipe(self, recipe_id: str, *, tx: Session | None = None) -> Recipe:
        with self._reading(tx) as s:
            row = s.get(RecipeRow, recipe_id)
            if row is None:
                raise NotFoundError(f"no recipe with id {recipe_id}")
            return Recipe.from_json(row.json).with_name(row.name)

    def rename_recipe(self, recipe_id: str, name: str, *, tx: Session | None = None) -> None:
        name = (name or "").strip()
        if not name:
            raise ParameterError("a recipe name cannot be empty")
        check_name(name)  # the same limit as a recipe file's name
        with self._writing(tx) as s:
            row = s.get(RecipeRow, recipe_id)
            if row is None:
                raise NotFoundError(f"no recipe with id {recipe_id}")
            row.name = name

    def set_recipe_status(
        self, recipe_id: str, status: str, *, reason: str, by: str, tx: Session | None = None
    ) -> None:
        """Set draft / in review / accepted / rejected, with who, when and why."""
        if status not in STATUSES:
            raise ParameterError(f"status={status!r} is not one of {', '.join(STATUSES)}")
        if not (by or "").strip():
            raise ParameterError("enter your name before changing a recipe's status")
        if not (reason or "").strip():
            raise ParameterError("give a reason for the status change")
        with self._writing(tx) as s:
            row = s.get(RecipeRow, recipe_id)
            if row is None:
                raise NotFoundError(f"no recipe with id {recipe_id}")
            row.status, row.status_reason = status, reason.strip()
            row.status_by, row.status_at = by.strip(), now()

    def set_recipe_archived(
        self, recipe_id: str, archived: bool = True, *, tx: Session | None = None
    ) -> None:
        """Archive a recipe (hidden from the lists, kept with its reviews) or bring it back."""
        with self._writing(tx) as s:
            row = s.get(RecipeRow, recipe_id)
            if row is None:
                raise NotFoundError(f"no recipe with id {recipe_id}")
            if archived and row.archived_at is None:
                row.archived_at = now()
            elif not archived:
                row.archived_at = None

    def recipe_rows(
        self,
        *,
        exclude_ids: set[int] | None = None,
        include_archived: bool = False,
        tx: Session | None = None,
    ) -> list[dict[str, Any]]:
        """Every recipe with its review statistics, aggregated in SQL (fast for many reviews).

        ``exclude_ids`` leaves those reviews out (e.g. labelers flagged by attention checks);
        archived recipes are left out unless ``include_archived``.
        """
        as_int = lambda cond: func.sum(func.cast(cond, Integer))  # noqa: E731
        stats = (
            select(
                ReviewRow.recipe_id.label("rid"),
                func.count(ReviewRow.id).label("n"),
                func.count(func.distinct(ReviewRow.reviewer)).label("nr"),
                as_int(ReviewRow.verdict == ACCEPT).label("acc"),
                as_int(ReviewRow.realistic).label("real"),
                as_int(ReviewRow.clear).label("clear"),
                as_int(ReviewRow.model_poor == POOR_YES).label("poor"),
                as_int(ReviewRow.model_poor != POOR_UNKNOWN).label("poor_n"),
                func.max(ReviewRow.created_at).label("last"),
            )
            .where(ReviewRow.id.not_in(sorted(exclude_ids or ())))
            .group_by(ReviewRow.recipe_id)
            .subquery()
        )
        q = select(RecipeRow, stats).outerjoin(stats, stats.c.rid == RecipeRow.id)
        if not include_archived:
            q = q.where(RecipeRow.archived_at.is_(None))
        q = q.order_by(func.coalesce(stats.c.last, RecipeRow.created_at).desc())
        out = []
        with self._reading(tx) as s:
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
                        "archived_at": r.archived_at,
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

    def list_recipes(
        self, *, include_archived: bool = False, tx: Session | None = None
    ) -> list[dict[str, Any]]:
        q = select(RecipeRow).order_by(RecipeRow.created_at)
        if not include_archived:
            q = q.where(RecipeRow.archived_at.is_(None))
        with self._reading(tx) as s:
            return [
                {
                    "id": r.id,
                    "name": r.name,
                    "status": r.status,
                    "created_at": r.created_at,
                    "archived_at": r.archived_at,
                }
                for r in s.scalars(q)
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
        tx: Session | None = None,
    ) -> int:
        """Store one checklist answer for ``recipe``.

        ``rendered_recipe`` is the recipe actually rendered when it differs from the one the
        answer counts toward (a sweep rung fixes one parameter of a range); its JSON is what is
        kept to re-render the sample bit for bit from the seed.
        """
        reviewer = (reviewer or "").strip()
        if not reviewer:
            raise ParameterError("enter the reviewer's name before saving")
        check_model_poor(model_poor)
        versions = json.dumps(library_versions())
        with self._writing(tx) as s:
            self.save_recipe(recipe, parent_id=parent_id if parent_id != recipe.id else None, tx=s)
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
                versions_json=versions,
                created_at=now(),
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
        tx: Session | None = None,
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
        with self._reading(tx) as s:
            q_gone = select(MediaRow.hash, MediaRow.name).where(MediaRow.deleted_at.is_not(None))
            gone = {h: n for h, n in s.execute(q_gone)}
            return [review_dict(r, name, gone) for r, name in s.execute(q)]

    def reviewers(self, *, tx: Session | None = None) -> list[str]:
        with self._reading(tx) as s:
            q = select(ReviewRow.reviewer).distinct().order_by(ReviewRow.reviewer)
            return list(s.scalars(q))

    def recipe_summary(self, *, tx: Session | None = None) -> list[dict[str, Any]]:
        """Per recipe: reviews, reviewers, accepts, accept share, last reviewed."""
        q = (
            select(
                RecipeRow.id,
                RecipeRow.name,
                func.count(ReviewRow.id),
                func.count(func.distinct(ReviewRow.reviewer)),
                func.sum(func.cast(ReviewRow.verdict == ACCEPT, Integer)),
                func.max(ReviewRow.created_at),
            )
            .join(ReviewRow, ReviewRow.recipe_id == RecipeRow.id)
            .group_by(RecipeRow.id, RecipeRow.name)
            .order_by(func.max(ReviewRow.created_at).desc())
        )
        with self._reading(tx) as s:
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
    def get_meta(self, key: str, *, tx: Session | None = None) -> str | None:
        with self._reading(tx) as s:
            row = s.get(MetaRow, key)
            return None if row is None else row.value

    def set_meta(self, key: str, value: str, *, tx: Session | None = None) -> None:
        with self._writing(tx) as s:
            s.merge(MetaRow(key=key, value=value))


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # no implicit BEGIN from the driver: _sqlite_begin says it
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # a writer waits its turn up to 30 s: 20 labelers answering at once on a busy 2-core machine
    # queued past 5 s for 3 of 1000 answers (benchmarks/round_load.py), which then failed
    cur.execute("PRAGMA busy_timeout=30000")
    # deleted rows (a deleted recording's bytes) are overwritten with zeros, not left in free pages
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    """A write transaction takes SQLite's write lock at its start (``BEGIN IMMEDIATE``), where
    ``busy_timeout`` waits for it. A deferred one that reads first and writes later fails at once
    with "database is locked" when another writer committed in between (WAL's BUSY_SNAPSHOT,
    which no timeout waits out): 2 of 1000 answers from 20 labelers in benchmarks/round_load.py
    before this. Reads stay deferred and never wait."""
    write = conn.get_execution_options().get("augcheck_write")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


_PROMPT_LINE = re.compile(r'^\(\s*(\S+)\s+"(.*)"\s*\)\s*$')


def read_arctic_prompts(text: str) -> dict[str, str]:
    """``{prompt id: text}`` from CMU ARCTIC lines such as ``( arctic_a0001 "Author of ..." )``."""
    out = {}
    for line in text.splitlines():
        m = _PROMPT_LINE.match(line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


def load_demo_assets(store: Store, folder: str | os.PathLike | None = None) -> int:
    """Put the bundled demo clips, noises and impulse response in the library, once.

    Runs on first start (a marker in the ``meta`` table remembers it), so a demo item the user
    renames stays renamed. Returns how many items were added.
    """
    if store.get_meta("demo_assets_loaded"):
        return 0
    folder = Path(folder) if folder else PROJECT_ROOT / "assets"
    manifest = folder / "manifest.json"
    added = 0
    if manifest.exists():
        prompts_file = folder / "arctic_prompts.data"
        prompts = read_arctic_prompts(prompts_file.read_text()) if prompts_file.exists() else {}
        for item in json.loads(manifest.read_text()):
            data = (folder / item["file"]).read_bytes()
            _, created = store.add_media(
                data,
                name=item["name"],
                kind=item["kind"],
                transcript=prompts.get(item.get("prompt") or "", item.get("transcript")),
                origin="demo",
            )
            added += int(created)
    store.set_meta("demo_assets_loaded", now().isoformat())
    return added


__all__ = ["Media", "Store", "default_url", "load_demo_assets"]
