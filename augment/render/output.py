"""What a render leaves in its folder, and the journal that makes it resumable.

- ``.render/state.json``: recipe, seed, format and purpose of the render in progress;
- ``.render/journal.jsonl``: one line per finished output, appended (and flushed) after the file
  was renamed into place; a line cut off by a kill is ignored, and its output is rendered again,
  to the same bytes;
- at the end: ``manifest.jsonl`` and ``manifest.csv`` (rows sorted by ``audio_filepath``, so any
  number of workers, any order and any restart give the same bytes), ``errors.jsonl`` and
  ``render.json``; each written to a temporary name and renamed.

``--out`` may be an fsspec URL (:mod:`augment.render.target`): the same files, each written whole
under a temporary name and moved; nothing can be appended to an object, so there the journal is
``.render/journal-<time>-<pid>.jsonl`` pieces, one written every :data:`JOURNAL_EVERY_S`
seconds (and at the end): a kill loses at most that much of the journal, and those outputs are
rendered again, to the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Iterable
from typing import Any

from augment.export.reviews import param_columns
from augment.render import target
from augment.render.work import OWN_COLUMNS

STATE_DIR = ".render"
#: With a URL ``--out``: seconds between two journal pieces.
JOURNAL_EVERY_S = 5.0
#: Leading characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: The manifest's own columns in CSV order (carried and <step>.<param> columns follow).
CSV_COLUMNS = (
    "audio_filepath",
    "duration",
    "text",
    *(c for c in OWN_COLUMNS if c not in ("audio_filepath", "duration", "params")),
)


def state_path(out: str, name: str) -> str:
    return target.join(out, STATE_DIR, name)


def write_text_atomic(path: str, text: str) -> None:
    target.write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, sort_keys=False, separators=(", ", ": ")) + "\n" for r in rows)


# --- the journal ------------------------------------------------------------------------------
class Journal:
    """Appends one line per finished output; reads back what a killed run had finished."""

    def __init__(self, out: str, *, key: str = "audio_filepath"):
        self.out = out
        self.path = state_path(out, "journal.jsonl")
        self.key = key  # the rows' path column (the media's)
        self.pieces = target.is_url(out)  # an object cannot be appended to
        target.makedirs(state_path(out, ""))
        self._fh = None
        self._pending: list[str] = []
        self._last = time.monotonic()

    def _texts(self) -> list[str]:
        texts = []
        try:
            texts.append(target.read_text(self.path))
        except FileNotFoundError:
            pass
        if self.pieces:
            for name in target.listdir(state_path(self.out, "")):
                if name.startswith("journal-") and name.endswith(".jsonl"):
                    texts.append(target.read_text(state_path(self.out, name)))
        return texts

    def read(self) -> dict[str, dict[str, Any]]:
        """``{audio_filepath: entry}`` of every complete line (later lines win)."""
        done: dict[str, dict[str, Any]] = {}
        for text in self._texts():
            for line in text.splitlines(keepends=True):
                if not line.endswith("\n"):
                    break  # the last line of a killed run, cut off
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                done[entry["row"][self.key]] = entry
        return done

    def append(self, entries: Iterable[dict[str, Any]]) -> None:
        lines = [json.dumps(e, separators=(",", ":")) + "\n" for e in entries]
        if self.pieces:
            self._pending.extend(lines)
            if time.monotonic() - self._last >= JOURNAL_EVERY_S:
                self._write_piece()
            return
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
            if self._fh.tell() > 0:
                self._fh.write("\n")  # a cut-off last line stays on its own
        self._fh.writelines(lines)
        self._fh.flush()

    def _write_piece(self) -> None:
        self._last = time.monotonic()
        if self._pending:
            name = f"journal-{time.time_ns():020d}-{os.getpid()}.jsonl"
            write_text_atomic(state_path(self.out, name), "".join(self._pending))
            self._pending = []

    def close(self) -> None:
        if self.pieces:
            self._write_piece()
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def remove_stale_temporaries(out: str) -> int:
    """Delete temporary files a killed run left behind; returns how many."""
    return target.remove_temporaries(out)


# --- manifests --------------------------------------------------------------------------------
def csv_cell(value: Any) -> Any:
    """A CSV cell that never starts a formula: text beginning with = + - @ gets a leading '."""
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def manifest_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    """Rows as CSV: the fixed columns, any carried ones, then ``<step>.<param>`` columns."""
    own = columns
    flat = []
    for r in rows:
        d = {k: v for k, v in r.items() if k != "params"}
        d.update(param_columns(r.get("params") or []))
        flat.append(d)
    carried = sorted({k for d in flat for k in d} - set(own))
    params = [k for k in carried if "." in k]
    columns = [*own, *[k for k in carried if "." not in k], *params]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in columns])
    for d in flat:
        writer.writerow([csv_cell(d.get(c)) if d.get(c) is not None else "" for c in columns])
    return buf.getvalue()


def write_results(
    out: str,
    rows: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    *,
    key: str = "audio_filepath",
    columns: tuple[str, ...] = CSV_COLUMNS,
) -> None:
    """The manifests (rows sorted by their path column ``key``) and ``errors.jsonl``."""
    rows = sorted(rows, key=lambda r: r[key])
    write_text_atomic(target.join(out, "manifest.jsonl"), jsonl(rows))
    write_text_atomic(target.join(out, "manifest.csv"), manifest_csv(rows, columns))
    errors = sorted(errors, key=lambda e: (e["source_filepath"], e["copies"]))
    errors_path = target.join(out, "errors.jsonl")
    if errors:
        write_text_atomic(errors_path, jsonl(errors))
    elif target.exists(errors_path):
        target.remove(errors_path)
