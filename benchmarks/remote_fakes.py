"""The paging benchmark's Bot Connector and Microsoft Graph, in a process of their own.

Run in the app's own process and event loop, the fakes' CPU (some 300 requests answered in
a 200-person fan-out) would be counted against the app. ``RemoteFakes`` starts this file as
a child process, which serves a ``SlowConnector`` and a ``SlowGraph`` on 127.0.0.1 with a
small control API beside them, and prints the three addresses as one JSON line:

- ``POST /prepare`` ``{"users": [[teams id, Entra id, upn, name], ...], "people": {Entra id
  or email: plan person id}}``: the users become Connector members and Entra users with the
  app installed; the pages noted so far are forgotten, and from now on a Teams page counts
  only for an attempt due from now (not a late answer to an app that ran before).
- ``POST /delay`` ``{"seconds": s}``: answer every request after ``s`` seconds from now on.
- ``POST /wait`` ``{"purpose": p, "count": n, "timeout": s}``: answers, once ``n`` people have
  had a page for ``p`` answered, ``{person: when}``; 504 after ``timeout``.

A page is noted when the fake answers it, on any channel, at ``time.monotonic()``:
CLOCK_MONOTONIC, the one clock of the whole machine, so the benchmark compares it with its
own readings.
"""

import asyncio
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, Self

from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.events import PagePurpose  # noqa: E402
from bot.render.texts import say  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402
from tests.fakes.graph import FakeGraph  # noqa: E402
from tests.protocol.teams import TeamsUser, page_key, register  # noqa: E402

PURPOSES = {say("da", f"card.{p.value}.title"): p.value for p in (PagePurpose.TRIAGE, PagePurpose.DIRECTOR, PagePurpose.SUMMONS)}
"""The titles of the pages the benchmark waits for (their purposes' titles name nothing of the crisis)."""
CATALOG_ID = "0d7c2a1e-0000-4000-8000-c4741091ab1e"
SENDER = "krisebot@struer.dk"

Json = dict[str, Any]


class Pages:
    """When each person's first page for each purpose was answered, on any channel."""

    def __init__(self) -> None:
        self.first: dict[str, dict[str, float]] = {}  # purpose -> person -> time.monotonic() of their first page answered
        self.people: dict[str, str] = {}  # lowercased Entra id or email -> plan person id
        self.since_ms = 0
        self._changed = asyncio.Condition()

    async def answered(self, purpose: str, person: str) -> None:
        self.first.setdefault(purpose, {}).setdefault(person, time.monotonic())
        async with self._changed:
            self._changed.notify_all()

    def reset(self, people: dict[str, str]) -> None:
        """Forget the pages so far, and ignore Teams pages for attempts due before now."""
        self.first.clear()
        self.people = {key.lower(): person for key, person in people.items()}
        self.since_ms = int(time.time() * 1000)

    async def wait(self, purpose: str, count: int) -> dict[str, float]:
        """person -> when their first page for ``purpose`` was answered, once there are ``count``."""
        firsts = self.first.setdefault(purpose, {})
        async with self._changed:
            await self._changed.wait_for(lambda: len(firsts) >= count)
        return dict(firsts)


class SlowConnector(FakeConnector):
    """A FakeConnector that answers every request after ``delay`` seconds and notes the pages answered.

    It keeps no record of the activities it is sent, as the tests' fake does: a 200-person
    fan-out would make it hold thousands.
    """

    def __init__(self, pages: Pages) -> None:
        super().__init__()
        self.delay = 0.0
        self.pages = pages

    @web.middleware
    async def _gate(self, request: web.Request, handler) -> web.StreamResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super()._gate(request, handler)

    async def _post_activity(self, request: web.Request) -> web.Response:
        """Answer as FakeConnector does, without keeping the request: only the page is noted."""
        key = page_key(await request.json())
        if key is not None:
            _, purpose, person, at_ms, _ = key.split("/")
            if int(at_ms) >= self.pages.since_ms:
                await self.pages.answered(purpose, person)
        return web.json_response({"id": str(next(self._ids))}, status=201)


class SlowGraph(FakeGraph):
    """A FakeGraph (answering after its ``delay``) that notes the activity notifications and mails it answers.

    It does not parse them into Graph's models as the tests' fake does (4 ms of CPU a mail).
    """

    def __init__(self, pages: Pages) -> None:
        super().__init__()
        self.pages = pages

    async def _notify(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._answered(body["topic"]["value"].split(" ", 1)[1], request.match_info["user"])
        return web.Response(status=204)

    async def _send_mail(self, request: web.Request) -> web.Response:
        message = next(value for key, value in (await request.json()).items() if key.lower() == "message")
        await self._answered(message["subject"].split("] ", 1)[1], message["toRecipients"][0]["emailAddress"]["address"])
        return web.Response(status=202)

    async def _answered(self, title: str, recipient: str) -> None:
        if title in PURPOSES:
            await self.pages.answered(PURPOSES[title], self.pages.people[recipient.lower()])


class Control:
    """The control API of the child process (see the module's docstring)."""

    def __init__(self) -> None:
        self.pages = Pages()
        self.connector = SlowConnector(self.pages)
        self.graph = SlowGraph(self.pages)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/prepare", self._prepare)
        app.router.add_post("/delay", self._delay)
        app.router.add_post("/wait", self._wait)
        return app

    async def _prepare(self, request: web.Request) -> web.Response:
        body = await request.json()
        users = [TeamsUser(*user) for user in body["users"]]
        self.pages.reset(body["people"])
        register(self.connector, *users)
        for user in users:
            self.graph.add_user(user.aad_object_id, user.upn.lower(), user.name, apps=(CATALOG_ID,))
        return web.json_response({})

    async def _delay(self, request: web.Request) -> web.Response:
        self.connector.delay = self.graph.delay = float((await request.json())["seconds"])
        return web.json_response({})

    async def _wait(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            firsts = await asyncio.wait_for(self.pages.wait(body["purpose"], body["count"]), body["timeout"])
        except TimeoutError:
            return web.json_response(self.pages.first.get(body["purpose"], {}), status=504)
        return web.json_response(firsts)


async def serve() -> None:
    """Serve the fakes and the control API until standard input closes."""
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # requests cut off when an app stops
    control = Control()
    await control.connector.start()
    await control.graph.start()
    control.graph.add_user("mailbox-krisebot", SENDER, "Krisebot")
    runner = web.AppRunner(control.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    urls = {"connector": control.connector.url, "graph": control.graph.url,
            "control": f"http://127.0.0.1:{runner.addresses[0][1]}"}
    print(json.dumps(urls), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()
    await control.graph.close()
    await control.connector.close()


class RemoteFakes:
    """The benchmark's side: starts the child process and drives it (an async context manager)."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._session: ClientSession | None = None
        self.urls: dict[str, str] = {}

    async def __aenter__(self) -> Self:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        assert self._process.stdout is not None
        line = await self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fakes' process ended: {await self._process.wait()}")
        self.urls = json.loads(line)
        self._session = ClientSession()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            await self._process.wait()

    @property
    def connector_url(self) -> str:
        return self.urls["connector"]

    @property
    def graph_url(self) -> str:
        return self.urls["graph"]

    async def prepare(self, users: list[TeamsUser], people: dict[str, str]) -> None:
        await self._call("prepare", {"users": [dataclasses.astuple(u) for u in users], "people": people})

    async def answer_after(self, seconds: float) -> None:
        await self._call("delay", {"seconds": seconds})

    async def wait(self, purpose: str, count: int, timeout: float) -> dict[str, float]:
        """person -> time.monotonic() of their first page for ``purpose`` answered, once ``count`` people have one."""
        return await self._call("wait", {"purpose": purpose, "count": count, "timeout": timeout})

    async def _call(self, path: str, body: Json) -> Any:
        assert self._session is not None
        async with self._session.post(f"{self.urls['control']}/{path}", json=body) as response:
            answer = await response.json()
            if response.status != 200:
                raise RuntimeError(f"the fakes: {path} answered {response.status}: {answer}")
            return answer


if __name__ == "__main__":
    asyncio.run(serve())
