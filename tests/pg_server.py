"""A real, throwaway PostgreSQL server for tests and benchmarks (Debian's ``postgresql``).

``initdb`` into a fresh folder under /tmp, ``pg_ctl start`` listening on a unix socket in that
folder only (no TCP port, so parallel runs never collide), one database per test, everything
stopped and removed at the end.

Written by hand, not with pytest-postgresql: the tests run as root in CI, and PostgreSQL
refuses to run as root (``initdb: cannot be run as root``); pytest-postgresql starts the server
as the current user and has no way to switch. Here every server command runs as the
``postgres`` system user (created by Debian's package) when we are root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

#: The socket's "port" (a name for the socket file; nothing listens on TCP).
PORT = 5432


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries here (``apt-get install postgresql``), or no user to run them."""


def find_bindir() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: ``AUGCHECK_PG_BINDIR``, ``pg_config --bindir``
    or the newest ``/usr/lib/postgresql/*/bin`` (Debian keeps them off the PATH)."""
    candidates = []
    if os.environ.get("AUGCHECK_PG_BINDIR"):
        candidates.append(Path(os.environ["AUGCHECK_PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    candidates += [Path(p) for p in versions]
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (apt-get install postgresql, or set "
        "AUGCHECK_PG_BINDIR)"
    )


class TempPostgres:
    """A PostgreSQL server of our own; use as a context manager.

    ``durable=False`` (tests) turns off fsync and synchronous commit: a crash of the *server*
    could lose data, which no test does (the SIGKILL test kills the client). Benchmarks pass
    ``durable=True`` so their figures include real commits.
    """

    def __init__(self, *, durable: bool = False, max_connections: int = 200):
        self.bindir = find_bindir()
        self.durable = durable
        self.max_connections = max_connections
        self.as_user: list[str] = []
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root, and there is no 'postgres' user to run the server as"
                ) from None
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailable("running as root without runuser(1)")
            self.as_user = [runuser, "-u", "postgres", "--"]
        self.root: Path | None = None

    # --- life cycle ---------------------------------------------------------------------------
    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [*self.as_user, str(self.bindir / args[0]), *args[1:]]
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        if out.returncode != 0:
            log = ""
            if self.root and (self.root / "server.log").exists():
                log = (self.root / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({out.returncode}): {out.stderr.strip()}\n{log}"
            )
        return out

    def start(self) -> TempPostgres:
        # short path: a unix socket path must stay under 107 bytes
        self.root = Path(tempfile.mkdtemp(prefix="augpg-", dir="/tmp"))
        if self.owner is not None:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        data = self.root / "data"
        self._run(
            "initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        options = [
            "-c listen_addresses=''",
            f"-k {self.root}",
            f"-p {PORT}",
            f"-c max_connections={self.max_connections}",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
            "-o", " ".join(options), "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- databases ----------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3) over the unix socket."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}&port={PORT}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.root), port=PORT, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        """A fresh, empty database; returns its URL."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url_or_name: str) -> None:
        name = url_or_name.rsplit("/", 1)[-1].split("?", 1)[0]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
