"""A throw-away PostgreSQL primary and its streaming standby, for the replica test.

Nothing of the shared server is touched: `initdb` makes a new cluster in a temporary folder,
`pg_basebackup -R` copies it into a standby that streams from it, each on a free port of
127.0.0.1 with its socket in that folder. PostgreSQL refuses to run as root, so as root every
server command runs as the `postgres` user (`runuser`), which owns the folder. The pair is
stopped (`-m immediate`) and the folder deleted when the block ends, however it ends.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg


def _server_binaries() -> Path:
    """CAUNOI_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout)."""
    if os.environ.get("CAUNOI_PG_BIN"):
        return Path(os.environ["CAUNOI_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


BIN = _server_binaries()
SERVER_USER = "postgres"
CONFIG = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
max_connections = 30
shared_buffers = 32MB
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
full_page_writes = off
"""


class ClusterError(Exception):
    pass


@dataclass
class Pair:
    folder: Path
    primary_port: int
    standby_port: int

    def url(self, port: int, database: str) -> str:
        return f"postgres://{SERVER_USER}@127.0.0.1:{port}/{database}"

    def primary_url(self, database: str = "postgres") -> str:
        return self.url(self.primary_port, database)

    def standby_url(self, database: str = "postgres") -> str:
        return self.url(self.standby_port, database)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _command(*args: str | Path) -> list[str]:
    command = [str(arg) for arg in args]
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *command]
    return command


def _run(*args: str | Path, timeout: float = 60) -> None:
    done = subprocess.run(_command(*args), capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if done.returncode != 0:
        raise ClusterError(f"{Path(str(args[0])).name} failed ({done.returncode}): {done.stderr or done.stdout}")


def available() -> str | None:
    """Why a pair cannot be started here, or None."""
    if not (BIN / "initdb").exists():
        return f"no PostgreSQL server binaries in {BIN} (CAUNOI_PG_BIN)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root without runuser"
    return None


def _streaming(pair: Pair, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(pair.primary_url(), autocommit=True) as primary:
        while time.monotonic() < deadline:
            row = primary.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").fetchone()
            if row and row[0] >= 1:
                return
            time.sleep(0.1)
    raise ClusterError(f"the standby did not stream within {timeout}s")


@contextlib.contextmanager
def streaming_pair(timeout: float = 40) -> Iterator[Pair]:
    """A primary and a standby streaming from it; both stopped and deleted afterwards."""
    reason = available()
    if reason:
        raise ClusterError(reason)
    folder = Path(tempfile.mkdtemp(prefix="caunoi-replica-"))
    started: list[Path] = []
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, SERVER_USER, SERVER_USER)
        folder.chmod(0o700)
        pair = Pair(folder, free_port(), free_port())
        primary, standby = folder / "primary", folder / "standby"
        _run(BIN / "initdb", "-D", primary, "-A", "trust", "-U", SERVER_USER, "-E", "UTF8", "--no-sync")
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(CONFIG.format(port=pair.primary_port, sockets=folder))
        _run(BIN / "pg_ctl", "-D", primary, "-l", folder / "primary.log", "-w", "-t", str(int(timeout)), "start")
        started.append(primary)
        _run(
            BIN / "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", SERVER_USER),
            *("-D", standby, "-R", "-X", "stream", "-c", "fast", "--no-sync"),
            timeout=timeout,
        )
        _run(
            BIN / "pg_ctl",
            *("-D", standby, "-l", folder / "standby.log", "-w", "-t", str(int(timeout))),
            *("-o", f"-p {pair.standby_port}", "start"),
        )
        started.append(standby)
        _streaming(pair, timeout)
        yield pair
    finally:
        for data in reversed(started):
            with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
                _run(BIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def log_tail(pair: Pair, lines: int = 20) -> str:
    found = []
    for name in ("primary.log", "standby.log"):
        with contextlib.suppress(OSError):
            text = (pair.folder / name).read_text(errors="replace").splitlines()[-lines:]
            found.append(f"--- {name}\n" + "\n".join(text))
    return "\n".join(found)
