"""A labeler's side of a review round: their own order of the samples, the next one to hear,
and storing their answer (insert-only, one per round, sample and labeler; with its review in one
transaction). See :mod:`augment.review.rounds`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from augment.checklist import check_model_poor
from augment.errors import ParameterError
from augment.review.rounds import (
    RoundInfo,
    RoundSample,
    _info,
    _labeler,
    _round_row,
    _sample,
    _sample_ids,
    _unplayable,
    get_sample,
    render_sample,
)
from augment.steps import source_key
from augment.store import Store
from augment.store.schema import RoundAnswerRow, RoundRow, RoundSampleRow, now


def labeler_sequence(round: RoundInfo, labeler: str) -> list[int]:
    """The labeler's own order of the round's sample ids: the same in every process.

    The shuffle's generator is seeded from SHA-256 of (round seed, labeler name), not from
    Python's ``hash()``, which is salted per process.
    """
    name = _labeler(labeler)
    digest = hashlib.sha256(f"{round.seed}\x1f{name}".encode()).digest()
    rng = np.random.default_rng(np.frombuffer(digest, dtype="<u4").astype(np.uint64))
    ids = list(round.sample_ids)
    return [ids[int(i)] for i in rng.permutation(len(ids))]


def _answered_ids(s: Session, round_id: int, labeler: str) -> set[int]:
    q = select(RoundAnswerRow.sample_id).where(
        RoundAnswerRow.round_id == round_id, RoundAnswerRow.labeler == labeler
    )
    return set(s.scalars(q))


def next_sample(store: Store, token: str, labeler: str) -> tuple[RoundSample | None, int, int]:
    """``(sample, done, total)``: the first sample of the labeler's order they have not answered
    (``None`` when they are through), how many they have answered and how many there are for
    them (samples whose media was deleted are skipped, and not counted unless answered)."""
    name = _labeler(labeler)
    with store.session() as s:
        row = _round_row(s, token)
        info = _info(row, _sample_ids(s, row.id))
        done = _answered_ids(s, row.id, name)
        skip = set(_unplayable(s, row.id)) - done
        total = info.total - len(skip)
        for sid in labeler_sequence(info, name):
            if sid not in done and sid not in skip:
                return _sample(s.get(RoundSampleRow, sid)), len(done), total
        return None, len(done), total


def _round_row_modality(store: Store, token: str) -> str:
    with store.session() as s:
        return _info(_round_row(s, token), ()).modality


def _existing_answer(store: Store, round_id: int, sample_id: int, labeler: str) -> int | None:
    with store.session() as s:
        return s.scalar(
            select(RoundAnswerRow.id).where(
                RoundAnswerRow.round_id == round_id,
                RoundAnswerRow.sample_id == sample_id,
                RoundAnswerRow.labeler == labeler,
            )
        )


def answer(
    store: Store,
    token: str,
    labeler: str,
    sample_id: int,
    *,
    realistic: bool,
    clear: bool,
    model_poor: str,
    note: str = "",
    params: list[dict[str, Any]] | None = None,
    metrics: dict[str, Any] | None = None,
) -> bool:
    """Store the labeler's answer to one sample; ``True`` if stored, ``False`` if already there.

    Insert-only: a second submit for the same (round, sample, labeler) changes nothing, also when
    two arrive at the same moment (the unique constraint decides). For a recipe sample the answer
    is also saved as a review (``origin="round"``) with ``params``/``metrics`` from the rendering
    the labeler heard (``render_sample(...).params``); without ``params`` the sample is rendered
    here to get them. Anchor answers are not reviews.
    """
    name = _labeler(labeler)
    if not isinstance(realistic, (bool, np.bool_)) or not isinstance(clear, (bool, np.bool_)):
        raise ParameterError("answer realistic and clear with yes or no")
    check_model_poor(model_poor)
    if isinstance(sample_id, bool) or not isinstance(sample_id, (int, np.integer)):
        raise ParameterError(f"sample {sample_id!r} is not part of round {token}")
    sample = get_sample(store, token, int(sample_id))
    if _existing_answer(store, sample.round_id, sample.id, name) is not None:
        return False
    picture = _round_row_modality(store, token) == "image"
    recipe = None
    if sample.kind == "recipe":
        if params is None:
            out = render_sample(store, sample)
            params, metrics = out.params, out.metrics
        recipe = store.recipe(sample.recipe_id) if sample.recipe_id else sample.recipe

    # One transaction: the answer and (for a recipe sample) its review are stored together or
    # not at all, so a failure leaves nothing behind and the labeler can simply submit again.
    try:
        with store.transaction() as tx:
            if tx.get(RoundRow, sample.round_id).closed_at is not None:  # checked in the write
                raise ParameterError(
                    f"round {token} is closed: it takes no more answers (nothing was saved)"
                )
            row = RoundAnswerRow(
                round_id=sample.round_id,
                sample_id=sample.id,
                labeler=name,
                realistic=bool(realistic),
                clear=bool(clear),
                model_poor=model_poor,
                note=note or "",
                created_at=now(),
            )
            tx.add(row)
            tx.flush()  # the unique (round, sample, labeler) key decides a race here
            if recipe is not None:
                row.review_id = store.save_review(
                    recipe=recipe,
                    params=list(params or []),
                    seed=sample.seed,
                    clip_hash=sample.clip_hash,
                    noise_hash=None if picture else sample.noise_hash,
                    inputs={
                        "clip": sample.clip_hash,
                        # a picture's overlay texture is kept where a clip's noise is
                        **(
                            {source_key("texture"): sample.noise_hash}
                            if picture
                            else {"noise": sample.noise_hash, "ir": sample.ir_hash}
                        ),
                        "round": token,
                        "round_sample": sample.id,
                    },
                    reviewer=name,
                    realistic=bool(realistic),
                    clear=bool(clear),
                    model_poor=model_poor,
                    note=note or "",
                    metrics=metrics,
                    origin="round",
                    tx=tx,
                )
    except IntegrityError:
        if _existing_answer(store, sample.round_id, sample.id, name) is not None:
            return False  # someone (another tab, a double click) was first
        raise
    return True


__all__ = ["answer", "labeler_sequence", "next_sample"]
