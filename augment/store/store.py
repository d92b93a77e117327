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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, create_engine, event, func, select
from sqlalchemy.orm import Session

from augment import __version__
from augment.checklist import ACCEPT, POOR_UNKNOWN, POOR_YES, check_model_poor, verdict_for
from augment.errors import NotFoundError, ParameterError
from augment.recipe import Recipe, check_name
from augment.store.media import MediaMethods
from augment.store.records import Media, library_versions, review_dict
from augment.store.schema import (
    STATUSES,
    MediaRow,
    MetaRow,
    RecipeRow,
    ReviewRow,
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


class Store(MediaMethods):
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


__all__ = ["Media", "Store", "data_dir", "default_url", "library_versions"]
