"""Blind listening rounds: fixed samples, a private order per labeler, attention checks.

An engineer creates a **round** from recipes and the clips, noises (and impulse responses) to
draw on. Every sample (recipe or anchor kind, clip, noise, impulse response, seed) is fixed when
the round is created, drawn with ``numpy.random.default_rng(round seed)``, so everyone hears the
same samples. A round is opened through its token (``?round=<token>``). Each labeler hears the
samples in their own order (a shuffle seeded from a SHA-256 of the round seed and their name, so
it is the same in every process and after a restart) and resumes where they stopped: the next
sample is the first of their order they have not answered.

Hidden **anchors** check attention: ``clean`` is the clean original itself (expected: realistic
and clear), ``bad`` is noise at -20 dB SNR (expected: not clear). A labeler whose anchor accuracy
is below the round's threshold is flagged and left out of the round's results by default.

Answers are insert-only, one per (round, sample, labeler) (a unique constraint; a duplicate
submit is ignored). An answer to a recipe sample is also saved as a normal review
(``origin="round"``) so it feeds the recipe's statistics; anchor answers are not reviews.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlencode

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from augment.checklist import ACCEPT, MODEL_POOR_ANSWERS, check_model_poor, verdict_for
from augment.errors import AugcheckError, NotFoundError, ParameterError
from augment.metrics import finite_or_none
from augment.recipe import Recipe, Rendering
from augment.review.agreement import krippendorff_alpha, majority_agreement
from augment.steps.background_noise import BackgroundNoise
from augment.store import Store
from augment.store.schema import (
    MediaRow,
    RecipeRow,
    RoundAnswerRow,
    RoundRow,
    RoundSampleRow,
    now,
)

#: The query parameter that carries a round's token in a shared link.
QUERY_PARAM = "round"
ANCHOR_KINDS = ("clean", "bad")
#: The "bad" anchor: the clip drowned in noise, 20 dB louder than the speech.
BAD_ANCHOR = Recipe.from_dict(
    {"name": "anchor (bad)", "steps": [{"step": BackgroundNoise.name, "snr_db": -20}]}
)
#: The "clean" anchor: no steps, the original itself.
CLEAN_ANCHOR = Recipe.from_dict({"name": "anchor (clean)", "steps": []})
#: Sample seeds stay below 2**31 so they fit a 32-bit INTEGER column on any database.
SEED_LIMIT = 2**31
MAX_SAMPLES = 10_000
TOKEN_BYTES = 8  # 11 url-safe characters


# --- values handed out -------------------------------------------------------------------------
@dataclass(frozen=True)
class RoundInfo:
    id: int
    token: str
    name: str
    created_at: dt.datetime
    created_by: str
    recipe_ids: tuple[str, ...]
    clip_hashes: tuple[str, ...]
    noise_hashes: tuple[str, ...]
    ir_hashes: tuple[str, ...]
    samples_per_recipe: int
    offer_reference: bool
    anchor_share: float
    anchor_threshold: float
    seed: int
    #: The round's sample ids in canonical order (by position); labelers get a shuffle of them.
    sample_ids: tuple[int, ...]
    n_clean_anchors: int
    n_bad_anchors: int

    @property
    def total(self) -> int:
        return len(self.sample_ids)

    @property
    def n_anchors(self) -> int:
        return self.n_clean_anchors + self.n_bad_anchors

    def link(self, base_url: str) -> str:
        """``base_url`` with ``?round=<token>`` (or ``&round=...`` when it has a query)."""
        sep = "&" if "?" in base_url else "?"
        return f"{base_url}{sep}{urlencode({QUERY_PARAM: self.token})}"


@dataclass(frozen=True)
class RoundSample:
    id: int
    round_id: int
    position: int
    kind: str
    recipe_id: str | None
    recipe_json: str
    clip_hash: str
    noise_hash: str | None
    ir_hash: str | None
    seed: int

    @property
    def is_anchor(self) -> bool:
        return self.kind in ANCHOR_KINDS

    @property
    def recipe(self) -> Recipe:
        """What to render: the round's recipe, or the anchor's (no steps / noise at -20 dB)."""
        return Recipe.from_json(self.recipe_json)


class AnchorScore(NamedTuple):
    correct: int
    total: int
    accuracy: float | None  # None before the labeler has answered an anchor
    flagged: bool


def _sample(row: RoundSampleRow) -> RoundSample:
    return RoundSample(**{f: getattr(row, f) for f in RoundSample.__dataclass_fields__})


def _info(row: RoundRow, sample_ids: Sequence[int]) -> RoundInfo:
    st = json.loads(row.settings_json)
    return RoundInfo(
        id=row.id,
        token=row.token,
        name=row.name,
        created_at=row.created_at,
        created_by=row.created_by,
        recipe_ids=tuple(st["recipe_ids"]),
        clip_hashes=tuple(st["clip_hashes"]),
        noise_hashes=tuple(st["noise_hashes"]),
        ir_hashes=tuple(st["ir_hashes"]),
        samples_per_recipe=int(st["samples_per_recipe"]),
        offer_reference=bool(st["offer_reference"]),
        anchor_share=float(st["anchor_share"]),
        anchor_threshold=float(st["anchor_threshold"]),
        seed=int(st["seed"]),
        sample_ids=tuple(sample_ids),
        n_clean_anchors=int(st["n_clean_anchors"]),
        n_bad_anchors=int(st["n_bad_anchors"]),
    )


# --- helpers -----------------------------------------------------------------------------------
def _labeler(labeler: str) -> str:
    name = (labeler or "").strip()
    if not name:
        raise ParameterError("enter your name before listening")
    if len(name) > 255:
        raise ParameterError("a labeler name is at most 255 characters")
    return name


def _unique(items: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for x in items or ():
        x = (x or "").strip() if isinstance(x, str) else x
        if not isinstance(x, str) or not x:
            raise ParameterError(f"{x!r} is not a recipe id or media hash")
        if x not in out:
            out.append(x)
    return out


def _balanced(rng: np.random.Generator, items: Sequence[str], n: int) -> list[str]:
    """``n`` items drawn as a run of shuffled full passes, so each is used about equally."""
    out: list[str] = []
    while len(out) < n:
        out.extend(items[int(i)] for i in rng.permutation(len(items)))
    return out[:n]


def _check_media(s: Session, hashes: list[str], kind: str, what: str) -> None:
    q = select(MediaRow.hash, MediaRow.kind).where(MediaRow.hash.in_(hashes))
    found = {h: k for h, k in s.execute(q)}
    for h in hashes:
        if h not in found:
            raise NotFoundError(f"no media with hash {h[:12]} (a {what} of the round)")
        if found[h] != kind:
            raise ParameterError(f"media {h[:12]} is a {found[h]}, not a {kind} ({what})")


def _round_row(s: Session, token: str) -> RoundRow:
    row = s.scalar(select(RoundRow).where(RoundRow.token == (token or "").strip()))
    if row is None:
        raise NotFoundError(f"no review round with token {token!r}")
    return row


def _sample_ids(s: Session, round_id: int) -> list[int]:
    q = (
        select(RoundSampleRow.id)
        .where(RoundSampleRow.round_id == round_id)
        .order_by(RoundSampleRow.position)
    )
    return list(s.scalars(q))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def anchor_correct(kind: str, realistic: bool, clear: bool) -> bool | None:
    """Whether an answer to an anchor is right; ``None`` for a recipe sample.

    A clean anchor (the original) should be realistic and clear; a bad one (noise at -20 dB SNR)
    should not be clear.
    """
    if kind == "clean":
        return bool(realistic and clear)
    if kind == "bad":
        return not clear
    return None


# --- creating and reading rounds -------------------------------------------------------------
def create_round(
    store: Store,
    *,
    name: str,
    recipe_ids: Sequence[str],
    clip_hashes: Sequence[str],
    noise_hashes: Sequence[str] = (),
    ir_hashes: Sequence[str] = (),
    samples_per_recipe: int,
    offer_reference: bool,
    anchor_share: float,
    anchor_threshold: float = 0.8,
    created_by: str,
    seed: int | None = None,
) -> RoundInfo:
    """Create a round and fix all its samples; returns it with its shareable token.

    Per recipe, ``samples_per_recipe`` samples; clips (and noises / impulse responses where the
    recipe uses them) are spread evenly in a seeded random order, each sample with its own seed.
    Anchors are added so they make up ``anchor_share`` of all samples:
    ``round(recipe samples * share / (1 - share))``, half clean (the extra one when odd), half bad.
    """
    name = (name or "").strip()
    if not name:
        raise ParameterError("give the round a name")
    if len(name) > 255:
        raise ParameterError("a round name is at most 255 characters")
    created_by = (created_by or "").strip()
    if not created_by:
        raise ParameterError("enter your name before creating a round")
    recipe_ids, clips = _unique(recipe_ids), _unique(clip_hashes)
    noises, irs = _unique(noise_hashes), _unique(ir_hashes)
    if not recipe_ids:
        raise ParameterError("pick at least one recipe for the round")
    if not clips:
        raise ParameterError("pick at least one clip for the round")
    if isinstance(samples_per_recipe, bool) or not isinstance(
        samples_per_recipe, (int, np.integer)
    ):
        raise ParameterError(f"samples_per_recipe={samples_per_recipe!r} must be a whole number")
    per_recipe = int(samples_per_recipe)
    if per_recipe < 1:
        raise ParameterError(f"samples_per_recipe={per_recipe} must be at least 1")
    share, threshold = float(anchor_share), float(anchor_threshold)
    if not (math.isfinite(share) and 0.0 <= share < 1.0):
        raise ParameterError(f"anchor_share={anchor_share!r} must be from 0 to below 1")
    if not (math.isfinite(threshold) and 0.0 <= threshold <= 1.0):
        raise ParameterError(f"anchor_threshold={anchor_threshold!r} must be from 0 to 1")
    if seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed={seed!r} must be a whole number, 0 or more")
    seed = int(seed)

    recipes = [store.recipe(rid) for rid in recipe_ids]  # AugcheckError for an unknown id
    n_recipe = per_recipe * len(recipes)
    n_anchor = int(math.floor(n_recipe * share / (1.0 - share) + 0.5))
    n_bad = n_anchor // 2
    n_clean = n_anchor - n_bad
    if n_recipe + n_anchor > MAX_SAMPLES:
        raise ParameterError(
            f"the round would have {n_recipe + n_anchor} samples; at most {MAX_SAMPLES}"
        )
    for r in recipes:
        if "noise" in r.sources() and not noises:
            raise ParameterError(f"recipe {r.name or r.id} mixes in noise: pick at least one noise")
        if "impulse_response" in r.sources() and not irs:
            raise ParameterError(
                f"recipe {r.name or r.id} uses a measured room: pick at least one impulse response"
            )
    if n_bad and not noises:
        raise ParameterError("the 'bad' attention checks mix in noise: pick at least one noise")
    with store.session() as s:
        _check_media(s, clips, "speech", "clip")
        _check_media(s, noises, "noise", "noise")
        _check_media(s, irs, "impulse_response", "impulse response")

    rng = np.random.default_rng(seed)
    specs: list[dict[str, Any]] = []

    def add(kind: str, recipe: Recipe, recipe_id: str | None, n: int) -> None:
        chosen_clips = _balanced(rng, clips, n)
        chosen_noises = _balanced(rng, noises, n) if "noise" in recipe.sources() else []
        chosen_irs = _balanced(rng, irs, n) if "impulse_response" in recipe.sources() else []
        seeds = rng.integers(0, SEED_LIMIT, size=n)
        for i in range(n):
            specs.append(
                {
                    "kind": kind,
                    "recipe_id": recipe_id,
                    "recipe_json": recipe.to_json(indent=None),
                    "clip_hash": chosen_clips[i],
                    "noise_hash": chosen_noises[i] if chosen_noises else None,
                    "ir_hash": chosen_irs[i] if chosen_irs else None,
                    "seed": int(seeds[i]),
                }
            )

    for r in recipes:
        add("recipe", r, r.id, per_recipe)
    add("clean", CLEAN_ANCHOR, None, n_clean)
    add("bad", BAD_ANCHOR, None, n_bad)

    settings = {
        "recipe_ids": recipe_ids,
        "clip_hashes": clips,
        "noise_hashes": noises,
        "ir_hashes": irs,
        "samples_per_recipe": per_recipe,
        "offer_reference": bool(offer_reference),
        "anchor_share": share,
        "anchor_threshold": threshold,
        "seed": seed,
        "n_clean_anchors": n_clean,
        "n_bad_anchors": n_bad,
    }
    for _attempt in range(5):  # a token collision is astronomically rare; draw again if it happens
        token = secrets.token_urlsafe(TOKEN_BYTES)
        try:
            with store.transaction() as s:
                row = RoundRow(
                    token=token,
                    name=name,
                    created_at=now(),
                    created_by=created_by,
                    settings_json=json.dumps(settings),
                )
                s.add(row)
                s.flush()
                s.add_all(
                    RoundSampleRow(round_id=row.id, position=i, **spec)
                    for i, spec in enumerate(specs)
                )
        except IntegrityError:
            with store.session() as s:
                if s.scalar(select(RoundRow.id).where(RoundRow.token == token)) is None:
                    raise
            continue
        return get_round(store, token)
    raise AugcheckError("could not draw a unique round token; try again")


def get_round(store: Store, token: str) -> RoundInfo:
    with store.session() as s:
        row = _round_row(s, token)
        return _info(row, _sample_ids(s, row.id))


def list_rounds(store: Store) -> list[RoundInfo]:
    """Every round, newest first."""
    with store.session() as s:
        rows = s.scalars(select(RoundRow).order_by(RoundRow.created_at.desc(), RoundRow.id.desc()))
        rows = list(rows)
        ids: dict[int, list[int]] = {r.id: [] for r in rows}
        q = select(RoundSampleRow.round_id, RoundSampleRow.id).order_by(
            RoundSampleRow.round_id, RoundSampleRow.position
        )
        for rid, sid in s.execute(q):
            ids.setdefault(rid, []).append(sid)
        return [_info(r, ids[r.id]) for r in rows]


def round_samples(store: Store, token: str) -> list[RoundSample]:
    """The round's samples in canonical order (by position)."""
    with store.session() as s:
        row = _round_row(s, token)
        q = (
            select(RoundSampleRow)
            .where(RoundSampleRow.round_id == row.id)
            .order_by(RoundSampleRow.position)
        )
        return [_sample(r) for r in s.scalars(q)]


def get_sample(store: Store, token: str, sample_id: int) -> RoundSample:
    with store.session() as s:
        row = _round_row(s, token)
        sample = s.get(RoundSampleRow, int(sample_id))
        if sample is None or sample.round_id != row.id:
            raise ParameterError(f"sample {sample_id!r} is not part of round {row.token}")
        return _sample(sample)


def render_sample(store: Store, sample: RoundSample) -> Rendering:
    """Render a round sample exactly as every labeler hears it (the clip's own sample rate)."""
    from augment.audio import decode
    from augment.recipe import render, source

    clip = decode(store.media_bytes(sample.clip_hash), name=sample.clip_hash[:12])

    def sources(digest: str | None) -> tuple:
        if digest is None:
            return ()
        media = store.media(digest)
        a = decode(store.media_bytes(digest), name=media.name)
        return (source(digest, media.name, a.samples, a.sample_rate, target_sr=clip.sample_rate),)

    return render(
        sample.recipe,
        clip.samples,
        clip.sample_rate,
        seed=sample.seed,
        noises=sources(sample.noise_hash),
        irs=sources(sample.ir_hash),
    )


# --- labelers --------------------------------------------------------------------------------
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
    (``None`` when they are through), how many they have answered and how many there are."""
    name = _labeler(labeler)
    with store.session() as s:
        row = _round_row(s, token)
        info = _info(row, _sample_ids(s, row.id))
        done = _answered_ids(s, row.id, name)
        for sid in labeler_sequence(info, name):
            if sid not in done:
                return _sample(s.get(RoundSampleRow, sid)), len(done), info.total
        return None, len(done), info.total


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
                    noise_hash=sample.noise_hash,
                    inputs={
                        "clip": sample.clip_hash,
                        "noise": sample.noise_hash,
                        "ir": sample.ir_hash,
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


# --- results -----------------------------------------------------------------------------------
def round_answers(store: Store, token: str) -> list[dict[str, Any]]:
    """Every answer of the round with its sample's kind and recipe, oldest first."""
    with store.session() as s:
        row = _round_row(s, token)
        q = (
            select(RoundAnswerRow, RoundSampleRow)
            .join(RoundSampleRow, RoundSampleRow.id == RoundAnswerRow.sample_id)
            .where(RoundAnswerRow.round_id == row.id)
            .order_by(RoundAnswerRow.id)
        )
        return [
            {
                "id": a.id,
                "sample_id": a.sample_id,
                "position": smp.position,
                "kind": smp.kind,
                "recipe_id": smp.recipe_id,
                "labeler": a.labeler,
                "realistic": a.realistic,
                "clear": a.clear,
                "model_poor": a.model_poor,
                "verdict": verdict_for(a.realistic, a.clear),
                "note": a.note,
                "review_id": a.review_id,
                "created_at": a.created_at,
                "anchor_correct": anchor_correct(smp.kind, a.realistic, a.clear),
            }
            for a, smp in s.execute(q)
        ]


def _scores(answers: list[dict[str, Any]], threshold: float) -> dict[str, AnchorScore]:
    tally: dict[str, list[int]] = {}
    for a in answers:
        t = tally.setdefault(a["labeler"], [0, 0])
        if a["anchor_correct"] is not None:
            t[0] += int(a["anchor_correct"])
            t[1] += 1
    out = {}
    for who in sorted(tally):
        correct, total = tally[who]
        acc = correct / total if total else None
        out[who] = AnchorScore(correct, total, acc, acc is not None and acc < threshold)
    return out


def anchor_accuracy(store: Store, token: str) -> dict[str, AnchorScore]:
    """Per labeler who answered anything: ``(correct, total, accuracy, flagged)`` on anchors.

    Flagged when accuracy is below the round's threshold; a labeler who has not met an anchor
    yet has accuracy ``None`` and is not flagged.
    """
    info = get_round(store, token)
    return _scores(round_answers(store, token), info.anchor_threshold)


def excluded_labelers(store: Store, token: str) -> list[str]:
    """Labelers whose anchor accuracy is below the round's threshold."""
    return [who for who, score in anchor_accuracy(store, token).items() if score.flagged]


def _labeler_figures(
    name: str, mine: list[dict[str, Any]], total: int, score: AnchorScore
) -> dict[str, Any]:
    """One labeler's counts from their answers: what the summary and the results both show."""
    recipe = [a for a in mine if a["kind"] == "recipe"]
    accepted = sum(a["verdict"] == ACCEPT for a in recipe)
    return {
        "labeler": name,
        "answered": len(mine),
        "remaining": total - len(mine),
        "recipe_answers": len(recipe),
        "accepted": accepted,
        "accept_share": _share(accepted, len(recipe)),
        "anchors_correct": score.correct,
        "anchors_total": score.total,
        "anchor_accuracy": score.accuracy,
        "flagged": score.flagged,
    }


def labeler_summary(store: Store, token: str, labeler: str) -> dict[str, Any]:
    """One labeler's progress: answered, accept share on recipe samples, anchor accuracy."""
    name = _labeler(labeler)
    info = get_round(store, token)
    mine = [a for a in round_answers(store, token) if a["labeler"] == name]
    score = _scores(mine, info.anchor_threshold).get(name, AnchorScore(0, 0, None, False))
    return {**_labeler_figures(name, mine, info.total, score), "total": info.total}


def round_results(store: Store, token: str, *, exclude_flagged: bool = True) -> dict[str, Any]:
    """Counts per recipe and per labeler, and agreement on the recipe samples.

    With ``exclude_flagged`` (the default) the answers of labelers who failed the attention
    checks are left out of the per-recipe counts and the agreement figures (they are still
    listed per labeler). Agreement is Krippendorff's alpha (nominal; units = samples, coders =
    labelers) on the verdict and on each question; ``None`` where it is undefined.
    """
    info = get_round(store, token)
    answers = round_answers(store, token)
    scores = _scores(answers, info.anchor_threshold)
    excluded = sorted(w for w, sc in scores.items() if sc.flagged) if exclude_flagged else []
    counted = [a for a in answers if a["kind"] == "recipe" and a["labeler"] not in excluded]

    with store.session() as s:
        q = select(RecipeRow.id, RecipeRow.name).where(RecipeRow.id.in_(info.recipe_ids))
        names = {rid: name for rid, name in s.execute(q)}
        q = (
            select(RoundSampleRow.recipe_id, func.count(RoundSampleRow.id))
            .where(RoundSampleRow.round_id == info.id, RoundSampleRow.kind == "recipe")
            .group_by(RoundSampleRow.recipe_id)
        )
        per_sample = {rid: int(n) for rid, n in s.execute(q)}
    per_recipe = []
    for rid in info.recipe_ids:
        mine = [a for a in counted if a["recipe_id"] == rid]
        acc = sum(a["verdict"] == ACCEPT for a in mine)
        per_recipe.append(
            {
                "recipe_id": rid,
                "recipe": names.get(rid, rid),
                "samples": int(per_sample.get(rid, 0)),
                "answers": len(mine),
                "labelers": len({a["labeler"] for a in mine}),
                "accepted": acc,
                "rejected": len(mine) - acc,
                "accept_share": _share(acc, len(mine)),
                "realistic": sum(bool(a["realistic"]) for a in mine),
                "clear": sum(bool(a["clear"]) for a in mine),
                **{
                    f"model_poor_{v}": sum(a["model_poor"] == v for a in mine)
                    for v in MODEL_POOR_ANSWERS
                },
            }
        )

    verdict_triples = [(a["sample_id"], a["labeler"], a["verdict"]) for a in counted]
    majority = majority_agreement(verdict_triples)
    per_labeler = []
    for who in sorted({a["labeler"] for a in answers}):
        mine = [a for a in answers if a["labeler"] == who]
        per_labeler.append(
            {
                **_labeler_figures(who, mine, info.total, scores[who]),
                "excluded": who in excluded,
                "agrees_with_majority": finite_or_none(majority.get(who, float("nan")), None),
            }
        )

    def alpha(key: str) -> float | None:
        return finite_or_none(
            krippendorff_alpha([(a["sample_id"], a["labeler"], a[key]) for a in counted]), None
        )

    return {
        "round": info,
        "answers": len(answers),
        "labelers": len(per_labeler),
        "excluded": excluded,
        "per_recipe": per_recipe,
        "per_labeler": per_labeler,
        "agreement": {
            "verdict": alpha("verdict"),
            "realistic": alpha("realistic"),
            "clear": alpha("clear"),
            "samples_with_two_or_more": sum(
                n >= 2 for n in Counter(a["sample_id"] for a in counted).values()
            ),
        },
    }


__all__ = [
    "ANCHOR_KINDS",
    "AnchorScore",
    "BAD_ANCHOR",
    "CLEAN_ANCHOR",
    "QUERY_PARAM",
    "RoundInfo",
    "RoundSample",
    "anchor_accuracy",
    "anchor_correct",
    "answer",
    "create_round",
    "excluded_labelers",
    "get_round",
    "get_sample",
    "labeler_sequence",
    "labeler_summary",
    "list_rounds",
    "next_sample",
    "render_sample",
    "round_answers",
    "round_results",
    "round_samples",
]


def flagged_review_ids(store: Store) -> set[int]:
    """Ids of the reviews given by labelers whom a round's attention checks flagged.

    The Recipes page can leave them out of the recipe statistics.
    """
    ids: set[int] = set()
    for info in list_rounds(store):
        flagged = set(excluded_labelers(store, info.token))
        if flagged:
            ids |= {
                int(a["review_id"])
                for a in round_answers(store, info.token)
                if a["labeler"] in flagged and a.get("review_id") is not None
            }
    return ids
