"""What a render reads: a folder of audio files or pictures, or a NeMo-style manifest (JSON Lines
or CSV).

A manifest row needs the media's path column (``audio_filepath``, or ``image_filepath`` for
pictures; relative paths are taken from the manifest's folder, as NeMo does); ``duration``,
``text``, ``label``, ``split`` and ``speaker`` are optional, and any other column is carried to
the output rows. Noises, impulse responses and overlay textures are given the same way (a file,
a folder, or a manifest whose rows may carry a ``split``).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from typing import Any

from augment.errors import AugcheckError
from augment.render.media import Media, media_for

MANIFEST_EXTENSIONS = (".jsonl", ".json", ".csv")

#: Spellings of the three splits found in real manifests, to the names augcheck uses.
SPLIT_NAMES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "dev": "val",
    "test": "test",
    "eval": "test",
    "evaluation": "test",
}


class InputError(AugcheckError):
    """The input, noise or impulse-response argument cannot be used (exit 2)."""


@dataclass(frozen=True)
class Item:
    """One input file as listed."""

    path: str  # absolute path of the file
    rel: str  # path under the input's root, with '/' separators (mirrored under --out)
    where: str  # how to point at it in a message: "line 7" or the relative path
    split: str | None = None  # train / val / test, or None when not given
    columns: dict[str, Any] = field(default_factory=dict)  # the row as read (text, speaker...)

    def group(self, column: str | None) -> str | None:
        if not column:
            return None
        value = self.columns.get(column)
        return None if value in (None, "") else str(value)


@dataclass(frozen=True)
class Listing:
    """What an input argument holds."""

    kind: str  # "folder" or "manifest"
    root: str  # the folder, or the manifest's folder
    items: tuple[Item, ...]
    columns: frozenset[str]  # every column seen (a folder has none)
    source: str  # the argument as given

    @property
    def has_split(self) -> bool:
        return "split" in self.columns


def _split(value: Any, where: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    name = SPLIT_NAMES.get(str(value).strip().lower())
    if name is None:
        raise InputError(
            f"{where}: split={value!r} is not one of train, val, test "
            "(also read: training, valid, validation, dev, eval, evaluation)"
        )
    return name


def _walk(folder: str, extensions: frozenset[str]) -> list[str]:
    """The media's files under ``folder``, recursively, sorted; hidden files and folders skipped."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in extensions:
                out.append(os.path.join(dirpath, name))
    return sorted(out)


def _rel(path: str, root: str) -> str:
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):  # outside the root (an absolute path elsewhere): keep its tail
        rel = os.path.join(*os.path.abspath(path).strip(os.sep).split(os.sep)[-2:])
    return rel.replace(os.sep, "/")


def _rows(path: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) for every row of a JSON Lines or CSV manifest."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            if path.lower().endswith(".csv"):
                reader = csv.DictReader(fh)
                if not reader.fieldnames:
                    raise InputError(f"{path}: the CSV manifest has no header row")
                return [
                    (i + 2, {k: v for k, v in row.items() if k is not None})
                    for i, row in enumerate(reader)
                ]
            text = fh.read()
            if text.lstrip().startswith("["):  # a JSON array of rows
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
                if not all(isinstance(r, dict) for r in data):
                    raise InputError(f"{path}: every item of the JSON array must be an object")
                return list(enumerate(data, start=1))
            rows = []
            for i, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: line {i} is not JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise InputError(f"{path}: line {i} is not a JSON object")
                rows.append((i, row))
            return rows
    except UnicodeDecodeError:
        raise InputError(f"{path}: the manifest is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def read_manifest(path: str, media: Media | None = None) -> Listing:
    column = (media or media_for("audio")).path_column
    root = os.path.dirname(os.path.abspath(path))
    items, columns = [], set()
    for line, row in _rows(path):
        columns.update(row)
        where = f"{os.path.basename(path)} line {line}"
        value = row.get(column)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: no {column}")
        full = value if os.path.isabs(value) else os.path.join(root, value)
        full = os.path.abspath(full)
        items.append(Item(full, _rel(full, root), where, _split(row.get("split"), where), row))
    if not items:
        raise InputError(f"{path}: the manifest lists no files")
    return Listing("manifest", root, tuple(items), frozenset(columns), path)


def read_input(spec: str, media: Media | None = None) -> Listing:
    """A folder (recursive) or a manifest (``.jsonl``/``.json``/``.csv``) of ``media``'s files
    (audio when not given)."""
    media = media or media_for("audio")
    if os.path.isdir(spec):
        root = os.path.abspath(spec)
        files = _walk(root, media.extensions)
        if not files:
            looked = ", ".join(sorted(e.lstrip(".") for e in media.extensions))
            raise InputError(f"{spec}: no {media.noun} files in the folder (looked for {looked})")
        items = tuple(Item(f, _rel(f, root), _rel(f, root)) for f in files)
        return Listing("folder", root, items, frozenset(), spec)
    if not os.path.exists(spec):
        raise InputError(f"{spec}: no such folder or manifest")
    if not spec.lower().endswith(MANIFEST_EXTENSIONS):
        raise InputError(
            f"{spec}: give a folder of {media.noun} files or a manifest (.jsonl, .json or .csv)"
        )
    return read_manifest(spec, media)


def read_sources(specs: list[str], what: str, media: Media | None = None) -> list[Item]:
    """Noises, impulse responses (audio) or overlay textures (``media`` images): files, folders
    or manifests, in the order given."""
    out: list[Item] = []
    for spec in specs:
        if os.path.isdir(spec) or os.path.splitext(spec)[1].lower() in MANIFEST_EXTENSIONS:
            out.extend(read_input(spec, media).items)
        elif os.path.isfile(spec):
            full = os.path.abspath(spec)
            out.append(Item(full, os.path.basename(full), os.path.basename(full)))
        else:
            raise InputError(f"--{what} {spec}: no such file, folder or manifest")
    return out
