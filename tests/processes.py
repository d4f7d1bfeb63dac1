"""Real ``krisebot serve`` processes on one database, as the process tests and benchmarks drive them.

A ``Service`` is the installed console script run as a subprocess (this checkout's code, see
``tests/serve.py``) on a SQLite file or a PostgreSQL database, with its own port and, if given, its
own ``KRISEBOT_INSTANCE_ID``; several may share one database. It can be killed with SIGKILL and
started again, and reads the database directly, behind the service's back (``tests/raw_sql.py``),
whether the service is running or dead. ``PageConnector`` is the fake Bot Connector the services page
through: it stamps when each page arrived and can hold its answer to repeated pages (in flight).
"""

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from bot.database_url import DatabaseLocation
from bot.resources import default_plan_path
from tests.fakes.connector import FakeConnector
from tests.protocol.teams import Key, page_key
from tests.raw_sql import read
from tests.serve import environment, free_port
from tests.stores import setting

KRISEBOT = Path(sys.executable).with_name("krisebot")
START_TIMEOUT = 20.0
"""Seconds a start may take to answer ``/readyz`` (a hang detector, not a speed target)."""

Json = dict[str, Any]


def short_plan(folder: Path, ack_timeout: int) -> Path:
    """The bundled plan with ``ack_timeout`` seconds instead of its minutes (and its ``repeat = 1``), in ``folder``."""
    text = default_plan_path().read_text(encoding="utf-8")
    short = text.replace('ack_timeout = "5m"', f'ack_timeout = "{ack_timeout}s"')
    assert short != text and "\nrepeat = 1\n" in short, "the bundled plan's [escalation] section changed"
    path = folder / "plan.toml"
    path.write_text(short, encoding="utf-8")
    return path


class Service:
    """``krisebot serve`` as a subprocess on ``database``, a port of its own and ``plan``; killable and restartable.

    ``instance`` is its ``KRISEBOT_INSTANCE_ID``; None leaves the default (host and process id: a new one at each
    start, as after a crash). ``settings`` are more ``KRISEBOT_`` variables. Its output goes to ``<name>.log``."""

    def __init__(
        self, folder: Path, plan: Path, database: DatabaseLocation, *, instance: str | None = None, **settings: str
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.name = instance or "krisebot"
        self.log = folder / f"{self.name}.log"
        self._cwd = folder
        named = {"KRISEBOT_INSTANCE_ID": instance} if instance else {}
        self._env = environment(
            KRISEBOT_PORT=str(self.port), KRISEBOT_DATABASE=setting(database), KRISEBOT_PLAN=str(plan), **named, **settings
        )
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, session: ClientSession, *, leader: bool | None = None) -> None:
        """Start and wait until ``/readyz`` answers 200 (and, unless ``leader`` is None, says it leads or not)."""
        with self.log.open("a") as log:
            log.write(f"--- start at {time.time():.3f}\n")
            log.flush()
            self.process = subprocess.Popen(
                [str(KRISEBOT), "serve"], cwd=self._cwd, env=self._env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"krisebot serve ({self.name}) exited with {self.process.returncode}:\n{self.tail()}")
            ready = await self.readiness(session)
            if ready is not None and (leader is None or ready["leader"] is leader):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"krisebot serve ({self.name}) not ready within {START_TIMEOUT}s: {ready}\n{self.tail()}")
            await asyncio.sleep(0.02)

    async def readiness(self, session: ClientSession) -> Json | None:
        """What ``/readyz`` says while it answers 200; None when it does not (yet)."""
        try:
            async with session.get(f"{self.url}/readyz") as response:
                return await response.json() if response.status == 200 else None
        except OSError:
            return None

    async def post(self, session: ClientSession, activity: Json) -> Json:
        """Post a Teams activity to ``/api/messages`` and check it was taken; an invoke's answer (else ``{}``)."""
        async with session.post(f"{self.url}/api/messages", json=activity) as response:
            assert response.status in (200, 201), f"{self.name}: {response.status} {await response.text()}"
            body: Json = await response.json() if response.status == 200 else {}
        if activity["type"] == "invoke":
            assert body.get("statusCode") == 200, body
        return body

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, nothing flushed that was not committed, the lease left to run out."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def terminate(self) -> None:
        """SIGTERM, as systemd stops it: it finishes what it started (answers being sent to fakes in this event loop,
        which keeps running meanwhile) and gives the lease up."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + START_TIMEOUT
        while self.process.poll() is None:
            assert time.monotonic() < deadline, f"krisebot serve ({self.name}) did not stop on SIGTERM:\n{self.tail()}"
            await asyncio.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def tail(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"[{self.name}]\n" + "\n".join(text.splitlines()[-40:])

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Query the database directly (the service may be dead or running); ``?`` placeholders."""
        return read(self.database, sql, params)

    def settled(self) -> bool:
        """Is nothing pending in the outbox but fallbacks waiting for a call's outcome (at most ``OUTCOME_WAIT``)?"""
        now = datetime.now(UTC)
        rows = self.read("SELECT key, fallback, next_try_at FROM outbox WHERE status = 'pending'")
        return all(fallback and datetime.fromisoformat(at) > now for _, fallback, at in rows)

    def outbox(self) -> dict[str, tuple[str, int, tuple[str, ...]]]:
        """key -> (status, tries, roles)."""
        rows = self.read("SELECT key, status, tries, roles FROM outbox")
        return {key: (status, tries, tuple(json.loads(roles))) for key, status, tries, roles in rows}

    def events(self, *types: str) -> list[tuple[int, str, str, str, Json]]:
        """(seq, at, actor, type, payload) of the logbog's events of ``types``, in order."""
        marks = ",".join("?" * len(types))
        rows = self.read(f"SELECT seq, at, actor, type, payload FROM events WHERE type IN ({marks}) ORDER BY seq", types)
        return [(seq, at, actor, type_, json.loads(payload)) for seq, at, actor, type_, payload in rows]


class PageConnector(FakeConnector):
    """A FakeConnector that stamps when each request arrived and can hold its answer to repeated pages.

    ``arrived[i]`` is the wall-clock time ``requests[i]`` came in. With ``hold_repeats_of`` set to a purpose,
    every page for it whose attempt time is later than the first one seen for it is recorded as delivered, and
    then not answered until ``release`` is called: Teams has the page, the service is still waiting for the answer.
    """

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []
        self.hold_repeats_of: str | None = None
        self.held: list[str] = []
        self._first_at: dict[str, int] = {}
        self._released = self.hold(self._is_held_repeat)

    def release(self) -> None:
        self._released.set()

    def pages(self, since: int = 0) -> list[str]:
        """The outbox keys of the pages delivered, in order (one per delivery)."""
        return [key for r in self.requests[since:] if r.status < 300 and (key := page_key(r.activity))]

    def delivered(self, since: int = 0) -> list[tuple[Key, float]]:
        """Each page delivered from request ``since`` on: its outbox key and when it arrived."""
        return [
            (Key.parse(key), at) for r, at in zip(self.requests[since:], self.arrived[since:], strict=True)
            if r.status < 300 and (key := page_key(r.activity))
        ]

    def _record(self, request: web.Request, status: int, **recorded: Any) -> None:
        super()._record(request, status, **recorded)
        self.arrived.append(time.time())

    def _is_held_repeat(self, activity: Json) -> bool:
        key = page_key(activity)
        if key is None:
            return False
        parsed = Key.parse(key)
        first = self._first_at.setdefault(parsed.purpose, parsed.at_ms)
        if parsed.purpose == self.hold_repeats_of and parsed.at_ms > first and not self._released.is_set():
            self.held.append(key)
            return True
        return False


async def wait_until(
    condition: Callable[[], object], what: str, timeout: float, connector: PageConnector, *services: Service
) -> None:
    """Poll ``condition`` until it holds; AssertionError with the pages delivered and the services' logs if not in time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pages = "\n".join(f"  {key}" for key in connector.pages())
            logs = "\n".join(service.tail() for service in services)
            raise AssertionError(f"{what}: not within {timeout}s\npages delivered:\n{pages}\nservice logs:\n{logs}")
        await asyncio.sleep(0.02)


async def until(moment: float) -> None:
    """Sleep until the wall-clock time ``moment`` (seconds since the epoch)."""
    await asyncio.sleep(max(0.0, moment - time.time()))
