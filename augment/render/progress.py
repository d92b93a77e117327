"""Progress of a render: a tqdm bar (rate, ETA) on a terminal, plain periodic lines otherwise,
and ``.render/progress.json`` for the Render page (read by another process)."""

from __future__ import annotations

import os
import sys
import time
from typing import IO

from augment.render.output import state_path, write_json_atomic

#: Seconds between plain progress lines (not a terminal) and between progress-file updates.
LINE_EVERY_S = 5.0
FILE_EVERY_S = 0.5


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """Counts finished files; shows them; mirrors them to the progress file."""

    def __init__(self, out: str | None, *, stream: IO[str] | None = None, quiet: bool = False):
        self.out, self.stream, self.quiet = out, stream or sys.stderr, quiet
        self.total = self.done = self.errors = self.skipped = 0
        self.audio_s = 0.0
        self.started = time.monotonic()
        self._bar = None
        self._last_line = self._last_file = 0.0

    def start(self, total: int, skipped: int) -> None:
        """``total`` outputs still to render (``skipped`` already done)."""
        self.total, self.skipped = total, skipped
        self.started = time.monotonic()
        self._last_line = self.started
        if not self.quiet and total and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="file", file=self.stream, dynamic_ncols=True)
        self._write_file("running", force=True)

    def update(self, files: int, errors: int, audio_s: float) -> None:
        self.done += files
        self.errors += errors
        self.audio_s += audio_s
        now = time.monotonic()
        if self._bar is not None:
            self._bar.update(files)
            if errors:
                self._bar.set_postfix(errors=self.errors)
        elif not self.quiet and (self.done == files or now - self._last_line >= LINE_EVERY_S):
            self._last_line = now
            print(self.line(), file=self.stream, flush=True)
        self._write_file("running")

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        pct = 100.0 * self.done / self.total if self.total else 100.0
        eta_text = _clock(eta) if eta == eta else "?"
        return (
            f"rendered {self.done}/{self.total} files ({pct:.0f}%), {rate:.1f} files/s, "
            f"ETA {eta_text}, {self.errors} errors"
        )

    def finish(self, state: str) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif not self.quiet and self.total and state == "done":
            print(self.line(), file=self.stream, flush=True)
        self._write_file(state, force=True)

    def _write_file(self, state: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.out is None or (not force and now - self._last_file < FILE_EVERY_S):
            return
        self._last_file = now
        write_json_atomic(
            state_path(self.out, "progress.json"),
            {
                "state": state,
                "pid": os.getpid(),
                "total": self.total,
                "done": self.done,
                "skipped": self.skipped,
                "errors": self.errors,
                "audio_s": round(self.audio_s, 3),
                "elapsed_s": round(now - self.started, 3),
                "updated_at": time.time(),
            },
        )
