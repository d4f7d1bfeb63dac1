"""The guard middleware's last word on what a handler raises, and ``read_limited`` on a body that breaks off."""

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.errors import StoreError
from bot.http_errors import Refused, RefusalLog, read_limited
from bot.http_guard import guard, handler_args


def raising(error: Exception) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        raise error

    return handler


async def reading(request: web.Request) -> web.Response:
    body = await read_limited(request, 1024)
    return web.Response(text=f"{len(body or b'')} bytes")


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    app = web.Application(middlewares=[guard], handler_args=handler_args())
    app.router.add_post("/bug", raising(KeyError("hemmelig-nøgle")))
    app.router.add_post("/store", raising(StoreError("database or disk is full")))
    app.router.add_post("/refused", raising(Refused(409, "allerede modtaget")))
    app.router.add_post("/missing", raising(web.HTTPNotFound()))
    app.router.add_post("/read", reading)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_an_unexpected_error_is_a_500_with_a_reason_and_the_traceback_only_in_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await client.post("/bug")

    assert answer.status == 500
    assert await answer.json() == {"error": "intern fejl i Krisebot: fejlen er skrevet i tjenestens log"}
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage() == "uventet fejl under POST /bug" and record.exc_info is not None


async def test_a_store_error_is_a_503_to_try_again(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    answer = await client.post("/store")

    assert (answer.status, answer.headers["Retry-After"]) == (503, "30")
    assert "prøv igen" in (await answer.json())["error"]
    assert "logbogen fejlede under POST /store: database or disk is full" in caplog.text
    assert "Traceback" not in caplog.text


async def test_a_refusal_from_deep_inside_is_answered_as_any_refusal(client: TestClient) -> None:
    answer = await client.post("/refused")
    assert (answer.status, await answer.json()) == (409, {"error": "allerede modtaget"})


async def test_aiohttp_s_own_http_errors_pass_through(client: TestClient) -> None:
    assert (await client.post("/missing")).status == 404
    assert (await client.post("/no-such-route")).status == 404


async def test_a_body_is_read_whole(client: TestClient) -> None:
    answer = await client.post("/read", data=b"x" * 100)
    assert (answer.status, await answer.text()) == (200, "100 bytes")


@pytest.mark.parametrize("error", [ConnectionResetError("Connection lost"), web.RequestPayloadError("bad chunk")])
async def test_a_body_that_breaks_off_is_refused_with_400(error: Exception) -> None:
    """What the server's read raises when the client hangs up mid-body or sends broken chunks."""

    class BrokenBody:
        async def read(self, n: int) -> bytes:
            raise error

    class Request:
        content_length = 100
        content = BrokenBody()
        app: dict[Any, Any] = {}

    with pytest.raises(Refused) as refused:
        await read_limited(Request(), 1024)  # type: ignore[arg-type]
    assert (refused.value.status, refused.value.reason) == (400, "kroppen kom ikke hel frem")


def test_a_route_and_status_has_one_refusal_logged_a_minute_and_the_next_says_how_many_were_left_out() -> None:
    now = [0.0]
    refusals = RefusalLog(window=60, clock=lambda: now[0])

    first = [refusals.admit("/api/alarms", 415) for _ in range(5)]
    other = refusals.admit("/api/alarms", 401), refusals.admit("/api/messages", 415)
    now[0] = 59.9
    still = refusals.admit("/api/alarms", 415)
    now[0] = 60.0
    later = refusals.admit("/api/alarms", 415), refusals.admit("/api/alarms", 415)

    assert first == [0, None, None, None, None]
    assert other == (0, 0)
    assert still is None
    assert later == (5, None)
