"""A throwaway PostgreSQL server on 127.0.0.1 from the machine's own binaries (Debian's postgresql package).

PostgreSQL refuses to run as root, so under root (CI) initdb and the server run as a dedicated system user,
created on first use. Data, socket and log live in one temporary directory, removed on exit.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "domino_pg"


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    db_name: str

    def environment(self) -> dict[str, str]:
        """The variables deploy/postgres/dagster.yaml reads (trust auth: the password is not checked)."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": self.user,
            "DAGSTER_PG_PASSWORD": "unused-with-trust-auth",
            "DAGSTER_PG_DB": self.db_name,
        }


def server_binaries() -> Path:
    """The newest installed PostgreSQL bin directory (`.ci/run` installs the package when missing)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb): apt-get install postgresql")
    return Path(initdb).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user() -> list[str]:
    """The command prefix that runs PostgreSQL as a non-root user (nothing when we are not root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )
    return ["runuser", "-u", SERVER_USER, "--"]


@contextmanager
def throwaway_postgres(db_name: str = "dagster") -> Iterator[Postgres]:
    """Start a fresh cluster (trust auth, loopback only, no fsync), yield where it listens, then remove it."""
    bin_dir = server_binaries()
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="domino-pg-"))
    if prefix:
        shutil.chown(root, user=SERVER_USER)
    data, log, port = root / "data", root / "server.log", _free_port()

    def run(*command: str) -> None:
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}{server_log}")

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "dagster",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = f"-p {port} -h 127.0.0.1 -k {root} -c fsync=off -c full_page_writes=off"
        run(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"
        )
        try:
            run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster", db_name)
            yield Postgres("127.0.0.1", port, "dagster", db_name)
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
