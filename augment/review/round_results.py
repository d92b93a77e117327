"""What a review round found: every answer, attention-check scores, flagged labelers, counts per
recipe and per labeler, and agreement. See :mod:`augment.review.rounds`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from augment.checklist import ACCEPT, MODEL_POOR_ANSWERS, verdict_for
from augment.metrics import finite_or_none
from augment.review.agreement import krippendorff_alpha, majority_agreement
from augment.review.rounds import (
    AnchorScore,
    _labeler,
    _round_row,
    _share,
    anchor_correct,
    get_round,
    list_rounds,
)
from augment.store import Store
from augment.store.schema import RecipeRow, RoundAnswerRow, RoundSampleRow


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


__all__ = [
    "anchor_accuracy",
    "excluded_labelers",
    "flagged_review_ids",
    "labeler_summary",
    "round_answers",
    "round_results",
]
