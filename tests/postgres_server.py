"""A throwaway PostgreSQL server for the tests: ``initdb`` in a temporary folder, started on a free
port (TCP on 127.0.0.1, with a password; and a unix socket in the folder), stopped with
``pg_ctl stop -m immediate`` and its folder removed.

Debian's ``postgresql`` package puts the programs in ``/usr/lib/postgresql/<version>/bin``;
``binaries`` looks there and on PATH, and says what is missing. ``initdb`` refuses to run as
root: as root the server runs as the ``postgres`` user, which owns the folder.

Each test gets a new, empty database of its own (``create_database``) and drops it afterwards.
The server trades durability for speed (``fsync=off``): a test never outlives it.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from urllib.parse import quote

import psycopg

from tests.prerequisites import missing

PROGRAMS = ("initdb", "pg_ctl", "postgres")
USER = "krisebot"
PASSWORD = "hemmeligt-kodeord-æø"  # tests assert it is shown nowhere
SERVER_USER = "postgres"
"""Who runs the server when the tests run as root (Debian's package makes this user)."""


class Missing(Exception):
    """The PostgreSQL programs (or, as root, the ``postgres`` user) are not there; the message says which."""


DEBIAN = Path("/usr/lib/postgresql")
"""Where Debian's ``postgresql`` package puts each version's programs (``<version>/bin``)."""


def binaries() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``: on PATH, else the newest of Debian's."""
    on_path = shutil.which("initdb")
    folders = ([Path(on_path).parent] if on_path else []) + sorted(
        DEBIAN.glob("*/bin"), key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0, reverse=True
    )
    for folder in folders:
        if all((folder / program).is_file() for program in PROGRAMS):
            return folder
    raise Missing(
        f"PostgreSQL is not installed: no {', '.join(PROGRAMS)} on PATH or in /usr/lib/postgresql/*/bin "
        "(Debian: apt-get install postgresql)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A running server: its folder (data, socket, log), port and programs."""

    folder: Path
    port: int
    programs: Path
    _names = count(1)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str, *, password: str = PASSWORD) -> str:
        """The URL of ``database`` over TCP, with the user's password in it (as an operator would write it)."""
        return f"postgresql://{USER}:{quote(password)}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres") -> psycopg.Connection:
        """An autocommit connection as the superuser over the unix socket."""
        return psycopg.connect(host=str(self.folder), port=self.port, user=USER, dbname=database, autocommit=True)

    def create_database(self, locale: str = "") -> str:
        """A new, empty database (with ``locale``'s options, else the server's C locale); its name."""
        name = f"logbog_{os.getpid()}_{next(self._names)}"
        with self.admin() as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' {locale}".encode())
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def pg_ctl(self, *args: str) -> None:
        _run_as_server_user([str(self.programs / "pg_ctl"), "-D", str(self.data), *args], self.folder)

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: at once (``immediate``: the last commits may be lost, as ``synchronous_commit`` is off), or
        ``fast`` (it ends every session and writes what was committed)."""
        self.pg_ctl("stop", "-m", mode)

    def start(self) -> None:
        """Start the (initialised, stopped) server again on its port."""
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self.pg_ctl("start", "-w", "-t", "60", "-l", str(self.folder / "server.log"), "-o", options)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A new server in a temporary folder, stopped and removed when the block ends. Missing if it cannot be had."""
    programs = binaries()
    folder = Path(tempfile.mkdtemp(prefix="krisebot-pg-"))
    try:
        if os.geteuid() == 0:
            try:
                import pwd

                account = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise Missing(f"initdb refuses to run as root, and there is no {SERVER_USER} user to run it") from None
            os.chown(folder, account.pw_uid, account.pw_gid)
        folder.chmod(0o700)
        password_file = folder / "password"
        password_file.write_text(PASSWORD, encoding="utf-8")
        if os.geteuid() == 0:
            os.chown(password_file, account.pw_uid, account.pw_gid)
        _run_as_server_user(
            [str(programs / "initdb"), "-D", str(folder / "data"), "-U", USER, f"--pwfile={password_file}",
             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"],
            folder,
        )
        server = PostgresServer(folder, free_port(), programs)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def throwaway_server() -> Iterator[PostgresServer]:
    """``postgres_server`` for a fixture: where PostgreSQL cannot be had, the test skips naming what is missing
    (and fails under CI=true)."""
    try:
        binaries()
        with postgres_server() as server:
            yield server
    except Missing as exc:
        missing(str(exc))


def _run_as_server_user(command: list[str], folder: Path) -> None:
    """Run ``command`` (as the ``postgres`` user when root); its output in the error if it fails."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", SERVER_USER, "--", *command]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        log = folder / "server.log"
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            + (log.read_text(errors="replace")[-3000:] if log.exists() else "")
        )
