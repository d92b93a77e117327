"""The library half of :class:`augment.store.Store`: media items (content-addressed audio and
pictures) and their bytes, added, listed, edited, deleted; transcripts from a CSV.

A mixin so ``store.py`` stays readable (no module over about 500 lines); it uses the
store's ``_writing`` / ``_reading`` transaction helpers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from augment.audio import content_hash, decode, is_silent
from augment.errors import AudioError, NotFoundError, ParameterError
from augment.store.records import Media, media_from_row
from augment.store.schema import (
    IMAGE_KINDS,
    MEDIA_KINDS,
    SPLITS,
    BlobRow,
    MediaRow,
    ReviewRow,
    RoundRow,
    RoundSampleRow,
    now,
)


class MediaMethods:
    """Media methods of :class:`augment.store.Store` (see there)."""

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
        if kind in IMAGE_KINDS:
            from augment.image.io import decode_image
            from augment.image.labels import parse_label

            picture = decode_image(data, name=name)
            parse_label(transcript)  # refuses a malformed label before anything is written
            facts = {"format": picture.format, "sample_rate": None, "channels": picture.channels}
            facts["duration_s"] = None
        else:
            audio = decode(data, name=name)
            if is_silent(audio.samples):  # nothing to mix at an SNR, nothing to convolve with
                what = {"speech": "clean clip", "impulse_response": "impulse response"}.get(
                    kind, kind
                )
                raise AudioError(
                    f"{name}: the file is silent (below -120 dBFS); a silent {what} cannot be used"
                )
            facts = {
                "format": audio.format,
                "sample_rate": audio.sample_rate,
                "channels": audio.channels,
                "duration_s": round(audio.duration_s, 4),
            }
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
                **facts,
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
