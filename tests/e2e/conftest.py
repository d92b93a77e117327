"""Fixtures for the browser end-to-end tests: a real ``streamlit run`` and a real Chromium.

The app runs in its own process group on a free port, with ``AUGCHECK_DATA_DIR`` pointing at a
fresh temporary folder (so the SQLite file ``augcheck.db`` the test inspects is private to it).
Chromium is the system one (``/usr/bin/chromium``); nothing is downloaded. Without it the tests
are skipped, except under CI, where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_helpers import new_context

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
STARTUP_TIMEOUT_S = 60.0


def _in_ci() -> bool:
    value = os.environ.get("CI", "").strip().lower()
    return value not in ("", "0", "false")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    proc: subprocess.Popen
    stdout_path: Path
    stderr_path: Path
    db_url: str | None = None

    @property
    def db_path(self) -> Path:
        return self.data_dir / "augcheck.db"

    def output(self, limit: int = 8000) -> str:
        parts = []
        for label, path in (("stderr", self.stderr_path), ("stdout", self.stdout_path)):
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"--- streamlit {label} (last {limit} chars) ---\n{text[-limit:]}")
        return "\n".join(parts)

    def assert_alive(self) -> None:
        if self.proc.poll() is not None:
            pytest.fail(
                f"the Streamlit process exited early (code {self.proc.returncode})\n"
                + self.output(),
                pytrace=False,
            )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@contextlib.contextmanager
def serve_app(
    base: Path,
    *,
    prepare: Callable[[Path], None] | None = None,
    env_extra: dict[str, str] | None = None,
    args: list[str] | None = None,
    port: int | None = None,
    cwd: Path | None = None,
    db_url: str | None = None,
) -> Iterator[RunningApp]:
    """``streamlit run app.py`` on a free port with a fresh data folder under ``base`` (and
    the database ``db_url`` when given, e.g. PostgreSQL, instead of its SQLite file).

    ``prepare(data_dir)`` runs before the server starts (e.g. to create a round, so that a
    round link can be the very first request); ``env_extra`` adds environment variables, ``args``
    command-line options (e.g. ``--secrets.files``); ``port`` is a free port chosen beforehand;
    ``cwd`` is the folder the server runs in.
    Waits for ``/_stcore/health``; the whole process group is killed on exit.
    """
    data_dir = base / "data"
    data_dir.mkdir()
    if prepare is not None:
        prepare(data_dir)
    port = port or _free_port()
    env = dict(os.environ, AUGCHECK_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.pop("AUGCHECK_DB_URL", None)  # the test reads the SQLite file in data_dir
    if db_url:
        env["AUGCHECK_DB_URL"] = db_url
    env.update(env_extra or {})
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        # a test server needs no source watching (and a busy 2-core machine no polling)
        "--server.fileWatcherType",
        "none",
        *(args or []),
    ]
    stdout_path, stderr_path = base / "streamlit.out", base / "streamlit.err"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd or REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # own process group, so teardown can kill all of it
        )
    app = RunningApp(
        f"http://127.0.0.1:{port}", data_dir, proc, stdout_path, stderr_path, db_url=db_url
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            app.assert_alive()
            try:
                with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Streamlit did not answer /_stcore/health within {STARTUP_TIMEOUT_S:.0f} s\n"
                    + app.output(),
                    pytrace=False,
                )
            time.sleep(0.5)
        yield app
        # a crash during the tests would otherwise only show up as browser timeouts
        app.assert_alive()
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def streamlit_app(tmp_path_factory) -> Iterator[RunningApp]:
    """The app shared by the tests of the session (fresh data folder); killed at teardown."""
    with serve_app(tmp_path_factory.mktemp("augcheck_e2e")) as app:
        yield app


@pytest.fixture(scope="module")
def private_app(tmp_path_factory) -> Iterator[RunningApp]:
    """An app (and database) of a test module's own, for tests whose rows would show up in
    another test's counts; killed at the end of the module."""
    with serve_app(tmp_path_factory.mktemp("augcheck_e2e_private")) as app:
        yield app


@pytest.fixture(scope="module")
def postgresql_app(tmp_path_factory, postgresql_server) -> Iterator[RunningApp]:
    """An app on a fresh PostgreSQL database of the session's server (``AUGCHECK_DB_URL``);
    ``app.db_url`` is that database. Killed, and the database dropped, at the end of the module."""
    url = postgresql_server.create_database()
    try:
        # what a team does once (README): the app upgrades only SQLite files itself
        subprocess.run(
            [sys.executable, "-m", "augment", "db", "upgrade"],
            cwd=REPO_ROOT,
            env=dict(os.environ, AUGCHECK_DB_URL=url),
            check=True,
            capture_output=True,
            timeout=120,
        )
        with serve_app(tmp_path_factory.mktemp("augcheck_e2e_pg"), db_url=url) as app:
            yield app
    finally:
        postgresql_server.drop_database(url)


@pytest.fixture(scope="session")
def require_chromium() -> Path:
    """Skip without the system Chromium (fail under CI); used first, before the app starts."""
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if _in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium_browser(require_chromium):
    """The system Chromium, launched by Playwright's sync API (never downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(require_chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def app_page(chromium_browser):
    """A page in a fresh browser context (own Streamlit session) with a tall viewport."""
    context = new_context(chromium_browser)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
