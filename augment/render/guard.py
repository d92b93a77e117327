"""The leakage guard: augmented copies are made of training data only, unless asked otherwise.

- A manifest's ``val`` and ``test`` rows are never rendered into training data (they are left
  out, counted and named); without a ``split`` column the run is refused unless the user
  vouches for the data (``assume_train``).
- A group (``speaker``, or any ``group_column``) found in both the training rows and the val/test
  rows of the same manifest refuses a training render: that split leaks whatever is augmented.
- Noises and impulse responses marked ``val``/``test`` are refused in a training render (and
  those marked ``train`` in an evaluation render).
- ``purpose="evaluation"`` (a robustness test set) renders the val/test rows on purpose; a folder
  never holds both a training and an evaluation render.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from augment.errors import AugcheckError
from augment.render import target
from augment.render.inputs import Item, Listing

PURPOSES = ("training", "evaluation")
#: Files in an output folder that say what it holds.
STATE_FILES = ("render.json", ".render/state.json")
EVALUATION_SPLITS = ("val", "test")
SHOW = 10  # how many names a refusal lists before "and N more"


class LeakageError(AugcheckError):
    """The render would put evaluation data into training data, or mix the two (exit 2)."""


def _names(values, show: int = SHOW) -> str:
    values = sorted(values)
    text = ", ".join(repr(v) for v in values[:show])
    return text + (f" and {len(values) - show} more" if len(values) > show else "")


@dataclass(frozen=True)
class Selection:
    """The items to render and the ones left out (with their split), for one purpose."""

    purpose: str
    render: tuple[Item, ...]
    left_out: tuple[Item, ...]
    group_column: str | None


def select(
    listing: Listing,
    *,
    purpose: str = "training",
    assume_train: bool = False,
    group_column: str | None = None,
) -> Selection:
    """Split ``listing`` into what may be rendered for ``purpose`` and what is left out."""
    if purpose not in PURPOSES:
        raise AugcheckError(f"purpose={purpose!r} is not one of {', '.join(PURPOSES)}")
    if group_column is not None and group_column not in listing.columns:
        raise LeakageError(
            f"--group-column {group_column!r}: the input has no such column "
            f"(it has: {', '.join(sorted(listing.columns)) or 'no columns, it is a folder'})"
        )
    column = group_column or ("speaker" if "speaker" in listing.columns else None)
    items = listing.items
    unmarked = [i for i in items if i.split is None]
    if purpose == "evaluation":
        if not listing.has_split:  # the user said, explicitly, that this is evaluation data
            return Selection(purpose, items, (), column)
        if unmarked:
            raise LeakageError(
                f"{len(unmarked)} row(s) have no split (first: {unmarked[0].where}); "
                "an evaluation render takes the rows marked val or test"
            )
        chosen = tuple(i for i in items if i.split in EVALUATION_SPLITS)
        left = tuple(i for i in items if i.split not in EVALUATION_SPLITS)
        return Selection(purpose, chosen, left, column)
    how = (
        "mark each row's split in a 'split' column (train, val or test) of a JSON Lines or CSV "
        "manifest, or pass --assume-train if every file is training data"
    )
    if not listing.has_split and not assume_train:
        what = (
            "a folder says nothing about splits"
            if listing.kind == "folder"
            else ("the manifest has no 'split' column")
        )
        raise LeakageError(f"refusing to render: {what}; {how}")
    if unmarked and not assume_train:
        raise LeakageError(
            f"refusing to render: {len(unmarked)} row(s) have no split "
            f"(first: {unmarked[0].where}); {how}"
        )
    chosen = tuple(i for i in items if i.split in (None, "train"))
    left = tuple(i for i in items if i.split in EVALUATION_SPLITS)
    if column:
        train_groups = {g for i in chosen if (g := i.group(column)) is not None}
        eval_groups = {g for i in left if (g := i.group(column)) is not None}
        both = train_groups & eval_groups
        if both:
            raise LeakageError(
                f"refusing a training render: {len(both)} {column} group(s) appear in both the "
                f"train rows and the val/test rows: {_names(both)}. Move each group into one "
                "split (or name the right column with --group-column)"
            )
    return Selection(purpose, chosen, left, column)


def check_sources(items: list[Item], *, purpose: str, what: str) -> None:
    """Refuse noises / impulse responses marked for the other side of the split."""
    banned = EVALUATION_SPLITS if purpose == "training" else ("train",)
    bad = [i for i in items if i.split in banned]
    if bad:
        marked = "/".join(sorted({i.split for i in bad}))
        raise LeakageError(
            f"refusing a{'n' if purpose == 'evaluation' else ''} {purpose} render: "
            f"{len(bad)} {what}(s) are marked {marked}: {_names(i.rel for i in bad)}; "
            f"use {what}s marked {'train' if purpose == 'training' else 'val or test'} or unmarked"
        )


def folder_purpose(out: str) -> str | None:
    """The purpose of the render already in ``out`` (None when there is none)."""
    for name in STATE_FILES:
        path = target.join(out, *name.split("/"))
        try:
            return json.loads(target.read_text(path)).get("purpose", "training")
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            raise LeakageError(
                f"{path}: unreadable, so what this folder holds is unknown"
            ) from None
    return None


def check_out_dir(out: str, *, purpose: str, input_root: str | None) -> None:
    """Training and evaluation renders never share a folder; the output is not in the input."""
    out_abs = target.local_path(out)  # None: a remote URL, never inside a local input folder
    if input_root is not None and out_abs is not None:
        root = os.path.abspath(input_root)
        if out_abs == root or out_abs.startswith(root + os.sep):
            raise LeakageError(
                f"--out {out} is inside the input folder {input_root}: the outputs would mix "
                "with the originals; pick a folder outside it"
            )
    here = folder_purpose(target.absolute(out))
    if here is not None and here != purpose:
        raise LeakageError(
            f"refusing to write a{'n' if purpose == 'evaluation' else ''} {purpose} render "
            f"into {out}: it holds a{'n' if here == 'evaluation' else ''} {here} render; "
            "training and evaluation data never share a folder"
        )
