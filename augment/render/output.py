"""What a render leaves in its folder, and the journal that makes it resumable.

- ``.render/state.json``: recipe, seed, format and purpose of the render in progress;
- ``.render/journal.jsonl``: one line per finished output, appended (and flushed) after the file
  was renamed into place; a line cut off by a kill is ignored, and its output is rendered again,
  to the same bytes;
- at the end: ``manifest.jsonl`` and ``manifest.csv`` (rows sorted by ``audio_filepath``, so any
  number of workers, any order and any restart give the same bytes), ``errors.jsonl`` and
  ``render.json``; each written to a temporary name and renamed.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from typing import Any

from augment.export.reviews import param_columns
from augment.render.work import OWN_COLUMNS, TMP_PREFIX

STATE_DIR = ".render"
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
    return os.path.join(out, STATE_DIR, name)


def write_text_atomic(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = os.path.join(os.path.dirname(path), f"{TMP_PREFIX}{os.getpid()}-{os.path.basename(path)}")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)


def write_json_atomic(path: str, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, sort_keys=False, separators=(", ", ": ")) + "\n" for r in rows)


# --- the journal ------------------------------------------------------------------------------
class Journal:
    """Appends one line per finished output; reads back what a killed run had finished."""

    def __init__(self, out: str, *, key: str = "audio_filepath"):
        self.path = state_path(out, "journal.jsonl")
        self.key = key  # the rows' path column (the media's)
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self._fh = None

    def read(self) -> dict[str, dict[str, Any]]:
        """``{audio_filepath: entry}`` of every complete line (later lines win)."""
        done: dict[str, dict[str, Any]] = {}
        try:
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    if not line.endswith("\n"):
                        break  # the last line of a killed run, cut off
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    done[entry["row"][self.key]] = entry
        except FileNotFoundError:
            pass
        return done

    def append(self, entries: Iterable[dict[str, Any]]) -> None:
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
            if self._fh.tell() > 0:
                self._fh.write("\n")  # a cut-off last line stays on its own
        for e in entries:
            self._fh.write(json.dumps(e, separators=(",", ":")) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def remove_stale_temporaries(out: str) -> int:
    """Delete temporary files a killed run left behind; returns how many."""
    removed = 0
    for dirpath, _dirs, files in os.walk(out):
        for name in files:
            if name.startswith(TMP_PREFIX):
                os.remove(os.path.join(dirpath, name))
                removed += 1
    return removed


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
    write_text_atomic(os.path.join(out, "manifest.jsonl"), jsonl(rows))
    write_text_atomic(os.path.join(out, "manifest.csv"), manifest_csv(rows, columns))
    errors = sorted(errors, key=lambda e: (e["source_filepath"], e["copies"]))
    errors_path = os.path.join(out, "errors.jsonl")
    if errors:
        write_text_atomic(errors_path, jsonl(errors))
    elif os.path.exists(errors_path):
        os.remove(errors_path)
