"""Where a render writes: a folder path, or an fsspec URL (``s3://bucket/aug``, ``gs://...``,
``file:///shared/aug``) that every worker can reach.

A plain path is written with ``os`` calls, as always. A URL goes through fsspec
(:func:`fsspec.core.url_to_fs`; the protocol's driver must be installed, e.g. ``s3fs`` for
``s3://``): every file is first written whole under a temporary name in its folder and then
moved to its name (on an object store a move is a copy and a delete, and an object only appears
once its upload is complete), so a reader never sees a half-written output. Audio and pictures are
encoded into a local temporary file first (libsndfile and the image encoders write files), then
put. Only this module imports fsspec.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from augment.errors import ParameterError

#: Prefix of the temporary names (a rerun deletes any a killed run left behind).
TMP_PREFIX = ".augtmp-"


def is_url(out: str) -> bool:
    return "://" in str(out)


def check(out: str) -> None:
    """Refuse an ``--out`` URL whose protocol fsspec does not know or whose driver is missing,
    with one line (exit 2)."""
    if not is_url(out):
        return
    protocol = out.split("://", 1)[0]
    try:
        import fsspec
    except ImportError:
        raise ParameterError(f"--out {out}: a URL needs fsspec: pip install fsspec") from None
    try:
        fsspec.get_filesystem_class(protocol)
    except ValueError:
        raise ParameterError(
            f"--out {out}: fsspec knows no protocol {protocol!r} (a folder path, or a URL such "
            "as s3://bucket/folder, gs://..., file:///...)"
        ) from None
    except ImportError as exc:
        hint = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ParameterError(
            f"--out {out}: the {protocol}:// driver is not installed ({hint})"
        ) from None


def absolute(out: str) -> str:
    """The form every worker gets: an absolute path, or the URL as given (no trailing '/')."""
    return out.rstrip("/") if is_url(out) else os.path.abspath(out)


def join(out: str, *parts: str) -> str:
    if is_url(out):
        return "/".join([out.rstrip("/"), *(p.replace(os.sep, "/").strip("/") for p in parts)])
    return os.path.join(out, *parts)


def _fs(path: str) -> tuple[Any, str]:
    from fsspec.core import url_to_fs

    return url_to_fs(path)


def local_path(out: str) -> str | None:
    """The local folder a ``file://`` URL or a plain path names (None for a remote URL)."""
    if not is_url(out):
        return os.path.abspath(out)
    if out.startswith("file://"):
        return os.path.abspath(_fs(out)[1])
    return None


def exists(path: str) -> bool:
    if not is_url(path):
        return os.path.exists(path)
    fs, p = _fs(path)
    return bool(fs.exists(p))


def makedirs(path: str) -> None:
    if not is_url(path):
        os.makedirs(path, exist_ok=True)
        return
    fs, p = _fs(path)
    fs.makedirs(p, exist_ok=True)  # a no-op on object stores, which have no folders


def read_text(path: str) -> str:
    """The file's text; FileNotFoundError when there is none."""
    if not is_url(path):
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    return read_bytes(path).decode("utf-8")


def read_bytes(path: str) -> bytes:
    """The file's bytes; FileNotFoundError when there is none."""
    if not is_url(path):
        with open(path, "rb") as fh:
            return fh.read()
    fs, p = _fs(path)
    return fs.cat_file(p)


def remove(path: str) -> None:
    if not is_url(path):
        os.remove(path)
        return
    fs, p = _fs(path)
    fs.rm_file(p)


def listdir(path: str) -> list[str]:
    """Names in a folder ([] when it does not exist)."""
    if not is_url(path):
        try:
            return sorted(os.listdir(path))
        except FileNotFoundError:
            return []
    fs, p = _fs(path)
    try:
        return sorted(os.path.basename(e.rstrip("/")) for e in fs.ls(p, detail=False))
    except FileNotFoundError:
        return []


def _tmp_name(path: str) -> str:
    head, _, name = path.rpartition("/")
    return f"{head}/{TMP_PREFIX}{os.getpid()}-{name}"


def _write_here(path: str, write) -> None:
    """A folder: ``write(tmp)`` beside ``path``, then renamed (removed if anything fails)."""
    folder, name = os.path.split(path)
    os.makedirs(folder or ".", exist_ok=True)
    tmp = os.path.join(folder, f"{TMP_PREFIX}{os.getpid()}-{name}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _land(path: str, upload) -> None:
    """A URL: ``upload(fs, tmp)`` under a temporary name beside ``path``, then moved."""
    fs, p = _fs(path)
    tmp = _tmp_name(p)
    fs.makedirs(p.rpartition("/")[0], exist_ok=True)
    try:
        upload(fs, tmp)
        fs.mv(tmp, p)
    except BaseException:
        _discard(fs, tmp)
        raise


def write_bytes_atomic(path: str, blob: bytes) -> None:
    """``blob`` under a temporary name beside ``path``, then moved to ``path``."""
    if not is_url(path):
        _write_here(path, lambda tmp: _write_file(tmp, blob))
    else:
        _land(path, lambda fs, tmp: fs.pipe_file(tmp, blob))


def _write_file(path: str, blob: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(blob)


def write_file_atomic(path: str, write) -> None:
    """``write(local_path)`` makes the file (its extension is ``path``'s), then it lands at
    ``path`` whole: renamed in place for a folder, put under a temporary name and moved for a
    URL."""
    if not is_url(path):
        _write_here(path, write)
        return
    with tempfile.TemporaryDirectory(prefix="augcheck-render-") as local_dir:
        local = os.path.join(local_dir, path.rstrip("/").rpartition("/")[2])
        write(local)
        _land(path, lambda fs, tmp: fs.put_file(local, tmp))


def _discard(fs, tmp: str) -> None:
    try:
        if fs.exists(tmp):
            fs.rm_file(tmp)
    except OSError:
        pass


def remove_temporaries(out: str) -> int:
    """Delete temporary files a killed run left behind under ``out``; returns how many."""
    removed = 0
    if not is_url(out):
        for dirpath, _dirs, files in os.walk(out):
            for name in files:
                if name.startswith(TMP_PREFIX):
                    os.remove(os.path.join(dirpath, name))
                    removed += 1
        return removed
    fs, root = _fs(out)
    try:
        found = fs.find(root)
    except FileNotFoundError:
        return 0
    for p in found:
        if p.rstrip("/").rpartition("/")[2].startswith(TMP_PREFIX):
            fs.rm_file(p)
            removed += 1
    return removed
