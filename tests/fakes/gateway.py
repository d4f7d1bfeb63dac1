"""The common part of the fake SMS gateways: injected failures, slow answers, and webhooks sent to the service.

``fail_next(status)`` answers the next requests with that status (and ``Retry-After``) in the
gateway's own error shape; ``drop_next()`` closes the connection without an answer; ``delay``
seconds pass before every answer. Failed and dropped requests record nothing.
"""

import asyncio
import json
from abc import abstractmethod
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from yarl import URL

from tests.fakes.server import FakeServer

_DROP = -1


@dataclass(frozen=True)
class WebhookAnswer:
    """What the service answered a webhook."""

    status: int
    text: str
    content_type: str

    @property
    def reason(self) -> str:
        """The Danish reason of a refusal (``{"error": reason}``), or "" when the answer is no refusal."""
        try:
            return str(json.loads(self.text)["error"])
        except (ValueError, KeyError, TypeError):
            return ""


class FakeGateway(FakeServer):
    """A FakeServer with failure injection; subclasses give their error body in ``error``."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self._faults: deque[tuple[int, int | None]] = deque()

    def fail_next(self, status: int, *, count: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``count`` requests with ``status`` (and ``Retry-After`` if given)."""
        self._faults.extend([(status, retry_after)] * count)

    def drop_next(self, count: int = 1) -> None:
        """Close the connection of the next ``count`` requests without answering."""
        self._faults.extend([(_DROP, None)] * count)

    @abstractmethod
    def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
        """The gateway's error answer."""

    @web.middleware
    async def _gate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._faults:
            status, retry_after = self._faults.popleft()
            if status == _DROP:
                assert request.transport is not None
                request.transport.close()
                raise asyncio.CancelledError
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            return self.error(status, f"injected failure: HTTP {status}", headers)
        return await handler(request)


async def post_webhook(url: str, *, headers: dict[str, str], data: bytes, content_type: str) -> WebhookAnswer:
    """POST a webhook to the service as the gateway would: to ``url`` exactly as given (a ``%2F`` stays one)."""
    async with aiohttp.ClientSession() as session, session.post(
        URL(url, encoded=True), data=data, headers={"Content-Type": content_type, **headers}
    ) as response:
        return WebhookAnswer(response.status, await response.text(), response.content_type)
