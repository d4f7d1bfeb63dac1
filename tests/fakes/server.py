"""The common part of the fakes: an aiohttp server on 127.0.0.1, on a free port, for one test."""

import asyncio
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from aiohttp import web


class FakeServer(ABC):
    """Subclasses add their routes in ``routes`` and may screen every request in ``_gate``.

    ``url`` is the server's address followed by ``PATH`` (``/`` for the Bot Connector, the
    ``/v1.0`` of Microsoft Graph), as the client under test is configured with it.
    """

    PATH = "/"

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.down: int | None = None
        """While set, every request is answered with this status before anything else (an outage)."""
        self.hang = False
        """While true, every request waits and is not answered before the fake closes (an outage that times out)."""
        self._closing = asyncio.Event()

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._url

    @abstractmethod
    def routes(self, app: web.Application) -> None:
        """Add the fake's routes to ``app``."""

    async def start(self) -> Self:
        app = web.Application(middlewares=[self._outage, self._gate])
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._url = f"http://127.0.0.1:{self._runner.addresses[0][1]}{self.PATH}"
        return self

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @web.middleware
    async def _outage(self, request: web.Request, handler) -> web.StreamResponse:
        if self.hang:
            await self._closing.wait()
            raise web.HTTPServiceUnavailable()
        if self.down is not None:
            error = {"code": "ServiceUnavailable", "message": f"{type(self).__name__} is down"}
            return web.json_response({"error": error}, status=self.down)
        return await handler(request)

    @web.middleware
    async def _gate(self, request: web.Request, handler) -> web.StreamResponse:
        return await handler(request)
