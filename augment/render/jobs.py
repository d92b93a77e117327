"""Render jobs for the app: ``python -m augment render`` in a background process.

The job list is a file in the data folder (``render_jobs/jobs.jsonl``), so a browser reload, a
second tab or a restarted server all see the same jobs; each job's state is read from what the
render itself writes (``.render/progress.json``, ``render.json``) and whether its process lives.
Library clips and noises are written out as files with a manifest (their split and transcript
carried), so the page's render goes through exactly the same checks as the command line's.

Not :class:`augment.jobs.JobScheduler` (the Studio's model and hints): that one keeps futures in
the server's memory and runs short jobs in one ``spawn`` worker that ends itself when the server
stops (``watch_parent``), cancelling older jobs of the same kind. A render runs for minutes to
hours, must outlive a server restart (``start_new_session``) and be seen from any process, and
would hold the Studio's only model worker the whole time; what the two share is the word "job".
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from augment.render import target
from augment.render.output import state_path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
_PROCS: dict[str, subprocess.Popen] = {}  # jobs this server process started (to reap them)


def data_dir() -> Path:
    return Path(os.environ.get("AUGCHECK_DATA_DIR", PROJECT_ROOT / "data"))


def jobs_dir() -> Path:
    folder = data_dir() / "render_jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_out(recipe_id: str) -> str:
    return str(data_dir() / "renders" / recipe_id)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:60] or "file"


#: File extensions of the library's formats (audio and pictures).
EXTENSIONS = {
    "FLAC": "flac",
    "OGG": "ogg",
    "MP3": "mp3",
    "AIFF": "aiff",
    "PNG": "png",
    "JPEG": "jpg",
    "WEBP": "webp",
}


def write_library_manifest(
    store, hashes: list[str], folder: Path, *, kind: str, column: str = "audio_filepath"
) -> Path:
    """Library items as files under ``folder`` and a manifest listing them with split and text
    (a picture's label, under ``label``); ``column`` is the media's path column."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for digest in hashes:
        m = store.media(digest)
        ext = EXTENSIONS.get((m.format or "").upper(), "wav")
        name = f"{_slug(os.path.splitext(m.name)[0])}-{digest[:8]}.{ext}"
        path = folder / name
        if not path.exists():
            path.write_bytes(store.media_bytes(digest))
        row = {column: name, "split": m.split or ""}
        if m.duration_s is not None:
            row["duration"] = m.duration_s
        if kind == "speech":
            row["text"] = m.transcript or ""
            row["library_name"] = m.name
        elif kind == "image":
            row["label"] = m.transcript or ""
            row["library_name"] = m.name
        rows.append(row)
    manifest = folder / f"{kind}.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return manifest


def new_job_folder() -> tuple[str, Path]:
    job_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    folder = jobs_dir() / job_id
    folder.mkdir(parents=True)
    return job_id, folder


def start(job_id: str, argv: list[str], *, out: str, label: str) -> dict[str, Any]:
    """Start ``python -m augment render ARGV`` in its own process; the job's record."""
    log = jobs_dir() / job_id / "log.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "augment", "render", *argv],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
            start_new_session=True,  # a server stop does not kill the render
        )
    _PROCS[job_id] = proc
    record = {
        "id": job_id,
        "pid": proc.pid,
        "out": target.absolute(out),  # a folder, or an fsspec URL
        "argv": argv,
        "label": label,
        "started_at": time.time(),
    }
    with open(jobs_dir() / "jobs.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return record


def jobs() -> list[dict[str, Any]]:
    """Every job started from the app, newest first."""
    try:
        lines = (jobs_dir() / "jobs.jsonl").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out[::-1]


def _alive(job: dict[str, Any]) -> bool:
    proc = _PROCS.get(job["id"])
    if proc is not None:
        return proc.poll() is None
    try:
        import psutil

        p = psutil.Process(job["pid"])
        same = abs(p.create_time() - job["started_at"]) < 5  # not a reused pid
        return same and p.status() != psutil.STATUS_ZOMBIE
    except Exception:  # no such process, or psutil missing
        return False


def _read_json(path: str) -> dict[str, Any] | None:
    try:
        return json.loads(target.read_text(path))
    except (OSError, ValueError):
        return None


def status(job: dict[str, Any]) -> dict[str, Any]:
    """``state``: running / done / refused / stopped, with the progress, the record and the log."""
    progress = _read_json(state_path(job["out"], "progress.json")) or {}
    record = _read_json(target.join(job["out"], "render.json"))
    alive = _alive(job)
    proc = _PROCS.get(job["id"])
    code = None if proc is None else proc.poll()
    if alive:
        state = "running"
    elif progress.get("state") == "done" and record is not None:
        state = "done"
    elif code == 2 or not progress:
        state = "refused"
    else:
        state = "stopped"
    try:
        log = (jobs_dir() / job["id"] / "log.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        log = ""
    return {
        "state": state,
        "progress": progress,
        "record": record,
        "returncode": code,
        "log": log[-4000:],
    }
