"""Blind review rounds: fixed samples, a private order per labeler, attention checks.

An engineer creates a **round** from recipes and the clips, noises (and impulse responses) to
draw on. Every sample (recipe or anchor kind, clip, noise, impulse response, seed) is fixed when
the round is created, drawn with ``numpy.random.default_rng(round seed)``, so everyone hears the
same samples. A round is opened through its token (``?round=<token>``). Each labeler hears the
samples in their own order (a shuffle seeded from a SHA-256 of the round seed and their name, so
it is the same in every process and after a restart) and resumes where they stopped: the next
sample is the first of their order they have not answered.

A round holds **one kind of media** (its ``modality``): audio recipes on speech clips, or image
recipes on pictures; a round mixing the two is refused. For pictures the "noise" of a sample is
the overlay texture (the image counterpart of a background noise), kept in the same column.

Hidden **anchors** check attention: ``clean`` is the clean original itself (expected: realistic
and clear), ``bad`` is noise at -20 dB SNR, for pictures an exposure 6 EV darker (expected: not
clear). A labeler whose anchor accuracy is below the round's threshold is flagged and left out
of the round's results by default.

Answers are insert-only, one per (round, sample, labeler) (a unique constraint; a duplicate
submit is ignored). An answer to a recipe sample is also saved as a normal review
(``origin="round"``) so it feeds the recipe's statistics; anchor answers are not reviews.

This module creates and reads rounds and their samples; :mod:`augment.review.labeling` is the
labeler's side (order, next sample, answering), :mod:`augment.review.round_results` the figures.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlencode

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from augment.errors import AugcheckError, NotFoundError, ParameterError
from augment.recipe import Recipe, Rendering
from augment.steps.background_noise import BackgroundNoise
from augment.steps.brightness import Brightness
from augment.store import Store
from augment.store.schema import (
    MediaRow,
    RoundRow,
    RoundSampleRow,
    now,
)

if TYPE_CHECKING:
    from augment.image.render import ImageRendering

#: The query parameter that carries a round's token in a shared link.
QUERY_PARAM = "round"
ANCHOR_KINDS = ("clean", "bad")
#: The "bad" anchor: the clip drowned in noise, 20 dB louder than the speech.
BAD_ANCHOR = Recipe.from_dict(
    {"name": "anchor (bad)", "steps": [{"step": BackgroundNoise.name, "snr_db": -20}]}
)
#: The "bad" anchor of a picture round: 6 EV darker (1/64 of the light): nobody sees the defect.
BAD_IMAGE_ANCHOR = Recipe.from_dict(
    {
        "name": "anchor (bad, picture)",
        "steps": [{"step": Brightness.name, "exposure_ev": Brightness.param("exposure_ev").min}],
    }
)
#: Per kind of media (a round's ``modality``): the media kind of its clips, and its "bad" anchor.
CLIP_KIND = {"audio": "speech", "image": "image"}
BAD_ANCHORS = {"audio": BAD_ANCHOR, "image": BAD_IMAGE_ANCHOR}
#: How the Rounds page and the messages name each kind of media in a round.
MEDIA_WORDS = {
    "speech": "clip",
    "noise": "noise",
    "impulse_response": "impulse response",
    "image": "picture",
    "texture": "texture",
}
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
    #: when and by whom the round was closed (None while it takes answers)
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    #: ``"audio"`` or ``"image"``: a round holds one kind of media
    modality: str = "audio"
    #: overlay textures (image rounds whose recipes paste one)
    texture_hashes: tuple[str, ...] = ()

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

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
    clip_hash: str  # a speech clip, or a picture in an image round
    noise_hash: str | None  # the noise mixed in, or the overlay texture in an image round
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
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        modality=st.get("modality", "audio"),
        texture_hashes=tuple(st.get("texture_hashes", ())),
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


def round_modality(recipes: Sequence[Recipe], asked: str | None = None) -> str:
    """The one kind of media of a round's recipes (an empty recipe fits either; ``asked``, or
    audio, when nothing says): one :class:`ParameterError` line when they mix audio and images,
    or are not of the ``asked`` kind."""
    kinds: dict[str, str] = {}
    for r in recipes:
        if r.modality is not None:
            kinds.setdefault(r.modality, r.name or r.id)
    if len(kinds) > 1:
        raise ParameterError(
            "a round holds one kind of media: "
            + " and ".join(f"{name!r} is {_a(kind)} recipe" for kind, name in sorted(kinds.items()))
            + "; make one round for each"
        )
    if asked is not None and kinds and asked not in kinds:
        ((kind, name),) = kinds.items()
        raise ParameterError(f"recipe {name!r} is {_a(kind)} recipe; this round is for {asked}")
    return asked or next(iter(kinds), "audio")


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _check_media(s: Session, hashes: list[str], kind: str, what: str) -> None:
    q = select(MediaRow.hash, MediaRow.kind).where(MediaRow.hash.in_(hashes))
    found = {h: k for h, k in s.execute(q)}
    for h in hashes:
        if h not in found:
            raise NotFoundError(f"no media with hash {h[:12]} (a {what} of the round)")
        if found[h] != kind:
            raise ParameterError(f"media {h[:12]} is {_a(found[h])}, not {_a(kind)} ({what})")


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
    texture_hashes: Sequence[str] = (),
    modality: str | None = None,
    samples_per_recipe: int,
    offer_reference: bool,
    anchor_share: float,
    anchor_threshold: float = 0.8,
    created_by: str,
    seed: int | None = None,
) -> RoundInfo:
    """Create a round and fix all its samples; returns it with its shareable token.

    Per recipe, ``samples_per_recipe`` samples; clips (and noises / impulse responses / overlay
    textures where the recipe uses them) are spread evenly in a seeded random order, each sample
    with its own seed. Anchors are added so they make up ``anchor_share`` of all samples:
    ``round(recipe samples * share / (1 - share))``, half clean (the extra one when odd), half bad.

    A round holds one kind of media: audio recipes on speech clips or image recipes on pictures
    (``clip_hashes`` then names pictures). ``modality`` (``"audio"`` / ``"image"``) is what the
    caller set the round up for; without it, the recipes' kind. Mixing is refused.
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
    textures = _unique(texture_hashes)
    if modality is not None and modality not in CLIP_KIND:
        raise ParameterError(f"modality={modality!r} is not one of {', '.join(CLIP_KIND)}")
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
    modality = round_modality(recipes, modality)
    if modality == "image":
        noises, irs = [], []  # pictures draw on textures only
    else:
        textures = []
    n_recipe = per_recipe * len(recipes)
    n_anchor = int(math.floor(n_recipe * share / (1.0 - share) + 0.5))
    n_bad = n_anchor // 2
    n_clean = n_anchor - n_bad
    if n_recipe + n_anchor > MAX_SAMPLES:
        raise ParameterError(
            f"the round would have {n_recipe + n_anchor} samples; at most {MAX_SAMPLES}"
        )
    for r in recipes:
        if "texture" in r.sources() and not textures:
            raise ParameterError(
                f"recipe {r.name or r.id} pastes a texture: pick at least one texture"
            )
        if "noise" in r.sources() and not noises:
            raise ParameterError(f"recipe {r.name or r.id} mixes in noise: pick at least one noise")
        if "impulse_response" in r.sources() and not irs:
            raise ParameterError(
                f"recipe {r.name or r.id} uses a measured room: pick at least one impulse response"
            )
    bad_anchor = BAD_ANCHORS[modality]
    if n_bad and "noise" in bad_anchor.sources() and not noises:
        raise ParameterError("the 'bad' attention checks mix in noise: pick at least one noise")
    with store.session() as s:
        _check_media(s, clips, CLIP_KIND[modality], MEDIA_WORDS[CLIP_KIND[modality]])
        _check_media(s, noises, "noise", "noise")
        _check_media(s, irs, "impulse_response", "impulse response")
        _check_media(s, textures, "texture", "texture")

    rng = np.random.default_rng(seed)
    specs: list[dict[str, Any]] = []

    def add(kind: str, recipe: Recipe, recipe_id: str | None, n: int) -> None:
        chosen_clips = _balanced(rng, clips, n)
        chosen_noises = _balanced(rng, noises, n) if "noise" in recipe.sources() else []
        if "texture" in recipe.sources():  # a picture's overlay goes where a clip's noise goes
            chosen_noises = _balanced(rng, textures, n)
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
    add("bad", bad_anchor, None, n_bad)

    settings = {
        "recipe_ids": recipe_ids,
        "clip_hashes": clips,
        "noise_hashes": noises,
        "ir_hashes": irs,
        "texture_hashes": textures,
        "modality": modality,
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


def close_round(store: Store, token: str, *, by: str) -> RoundInfo:
    """Close a round: from now on its answers are refused, so its results are final.

    Closing a closed round changes nothing (the first closing's time and name stay).
    """
    who = (by or "").strip()
    if not who:
        raise ParameterError("enter your name before closing a round")
    with store.transaction() as tx:
        row = _round_row(tx, token)
        if row.closed_at is None:
            row.closed_at, row.closed_by = now(), who[:255]
    return get_round(store, token)


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


def render_sample(store: Store, sample: RoundSample) -> Rendering | ImageRendering:
    """Render a round sample exactly as every labeler hears it (the clip's own sample rate), or
    sees it when the clip is a picture: the same pixels, bit for bit, from the stored seed."""
    from augment.audio import decode
    from augment.recipe import render, source

    if store.media(sample.clip_hash).kind == CLIP_KIND["image"]:
        return _render_picture(store, sample)
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


def _render_picture(store: Store, sample: RoundSample) -> ImageRendering:
    from augment.image import decode_image, decode_rgba, overlay_source, render_image
    from augment.image.labels import label_box

    item = store.media(sample.clip_hash)
    pixels = decode_image(store.media_bytes(item.hash), name=item.name).pixels
    overlays = []
    if sample.noise_hash is not None:  # the overlay texture
        tex = store.media(sample.noise_hash)
        rgba = decode_rgba(store.media_bytes(tex.hash), name=tex.name)
        overlays.append(overlay_source(tex.hash, tex.name, rgba))
    return render_image(
        sample.recipe, pixels, seed=sample.seed, overlays=overlays, box=label_box(item.transcript)
    )


def _unplayable(s: Session, round_id: int) -> dict[int, list[str]]:
    q_gone = select(MediaRow.hash, MediaRow.name, MediaRow.kind).where(
        MediaRow.deleted_at.is_not(None)
    )
    gone = {h: f"{MEDIA_WORDS.get(k, k)} {n}" for h, n, k in s.execute(q_gone)}
    if not gone:
        return {}
    q = select(
        RoundSampleRow.id,
        RoundSampleRow.clip_hash,
        RoundSampleRow.noise_hash,
        RoundSampleRow.ir_hash,
    ).where(RoundSampleRow.round_id == round_id)
    out: dict[int, list[str]] = {}
    for sid, *hashes in s.execute(q):
        what = [gone[h] for h in hashes if h in gone]
        if what:
            out[sid] = what
    return out


def unplayable_samples(store: Store, token: str) -> dict[int, list[str]]:
    """The round's samples that can no longer be played because a clip, noise, impulse
    response, picture or texture they use was deleted: ``{sample id: ["clip c0.wav", ...]}``.
    Labelers are not given them any more; answers already given stay and count."""
    with store.session() as s:
        return _unplayable(s, _round_row(s, token).id)


__all__ = [
    "ANCHOR_KINDS",
    "AnchorScore",
    "BAD_ANCHOR",
    "BAD_ANCHORS",
    "BAD_IMAGE_ANCHOR",
    "CLIP_KIND",
    "MEDIA_WORDS",
    "CLEAN_ANCHOR",
    "QUERY_PARAM",
    "RoundInfo",
    "RoundSample",
    "anchor_correct",
    "create_round",
    "get_round",
    "get_sample",
    "list_rounds",
    "render_sample",
    "round_modality",
    "round_samples",
    "unplayable_samples",
]
