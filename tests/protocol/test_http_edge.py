"""Krisebot's HTTP edge as an attacker or a broken client meets it: every bad request gets a 4xx with a
reason, nothing is written, and nothing costs the service more than reading the headers."""

import asyncio
import gzip
import json
import time
from urllib.parse import urlsplit

import pytest

from bot.app import CRISES
from bot.http_errors import LINGER, REFUSAL_LOG_WINDOW, REFUSALS
from tests.protocol.alarms import AUTH, TOKEN, generic
from tests.protocol.raw_http import request_bytes, send_raw
from tests.raw_sql import refuse_writes

REPLY = json.dumps({"from": "20112233", "text": "1K"}).encode()
ALARM = json.dumps(generic()).encode()
ROUTES = ["/api/messages", "/api/alarms", "/api/heartbeats/prometheus", "/api/sms/console"]


@pytest.fixture
async def bot(settings_for, start_bot):
    return await start_bot(settings_for(alarm_token=TOKEN))


def base(bot) -> str:
    return str(bot.client.make_url("")).rstrip("/")


async def nothing_recorded(bot) -> bool:
    return await bot.store.events() == [] and bot.client.app[CRISES].all() == []


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("encoding", "body"),
    [("gzip", gzip.compress(REPLY)), ("gzip", b"not gzip at all"), ("deflate", b"\x78\x9c garbage"), ("br", b"?")],
    ids=["gzip", "broken-gzip", "deflate", "brotli"],
)
async def test_a_compressed_body_is_refused_with_415(bot, route: str, encoding: str, body: bytes) -> None:
    headers = {"Content-Encoding": encoding, "Content-Type": "application/json", **AUTH}
    answer = await bot.client.post(route, data=body, headers=headers)

    assert answer.status == 415
    assert "Content-Encoding" in (await answer.json())["error"]
    assert answer.headers["Accept-Encoding"] == "identity"
    assert await nothing_recorded(bot)


async def test_a_compressed_body_is_refused_before_it_arrives(bot) -> None:
    """The answer comes while most of the body is still unsent: the server neither waited for it nor inflated it."""
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    request = request_bytes(
        "POST", "/api/alarms", {"Content-Encoding": "gzip", **AUTH}, bomb[:100], length=len(bomb), close=False
    )
    answer = await send_raw(base(bot), request)

    assert answer.status == 415
    assert await nothing_recorded(bot)


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Content-Encoding": "gzip", **AUTH}, 415), (AUTH, 413), ({}, 401)],
    ids=["compressed", "too-large", "no-token"],
)
async def test_a_refused_body_is_not_read_on_and_the_connection_closes(bot, headers: dict[str, str], status: int) -> None:
    """Whatever of a refused body has not arrived is never read (a declared gigabyte costs nothing): the
    answer says ``Connection: close``, and the server closes within ``LINGER`` instead of draining the rest."""
    request = request_bytes("POST", "/api/alarms", headers, b"[" * 100, length=2**30, close=False)

    started = time.monotonic()
    answer = await send_raw(base(bot), request, until_closed=True)

    assert answer.status == status
    assert answer.headers["connection"] == "close"
    assert time.monotonic() - started < LINGER + 1
    assert await nothing_recorded(bot)


async def test_a_refused_body_the_client_sends_on_is_held_by_tcp_not_read(bot) -> None:
    """After a refusal the rest of the body is not read (a 2 GB gzip body would cost the event loop
    its every byte): the client can send no more than the kernel's socket buffers take, and the
    connection is closed within ``LINGER``."""
    url = urlsplit(base(bot))
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(request_bytes("POST", "/api/alarms", {"Content-Encoding": "gzip", **AUTH}, b"", length=2**40, close=False))
    sent, started = 0, time.monotonic()
    with pytest.raises(ConnectionError):
        while time.monotonic() - started < LINGER + 5:
            writer.write(bytes(1024 * 1024))
            await asyncio.wait_for(writer.drain(), LINGER + 5)
            sent += 1024 * 1024
    writer.close()

    assert sent < 64 * 1024 * 1024  # reading on, the server takes gigabytes over loopback in LINGER seconds
    assert time.monotonic() - started < LINGER + 2


async def test_json_nested_too_deep_is_refused_before_the_rest_of_the_body_arrives(bot) -> None:
    """Nesting too deep to parse in the first part of an alarm body is refused at once: the rest of a megabyte is
    neither waited for nor read."""
    first = b'{"title": ' * 2000
    request = request_bytes("POST", "/api/alarms", AUTH, first, length=1024 * 1024 - 1, close=False)

    answer = await send_raw(base(bot), request)

    assert answer.status == 400
    assert json.loads(answer.body) == {"error": "ugyldig JSON: indlejret for dybt"}
    assert await nothing_recorded(bot)


async def test_a_flood_of_refusals_is_one_log_line_and_the_next_one_counts_the_rest(
    bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A flood of bad requests cannot flood the log (``/metrics`` counts every one); neither is a refusal logged
    again by the access log."""
    now = [0.0]
    bot.client.app[REFUSALS].clock = lambda: now[0]
    compressed = {"Content-Encoding": "gzip", **AUTH}

    answers = [await bot.client.post("/api/alarms", data=b"x", headers=compressed) for _ in range(30)]
    now[0] = REFUSAL_LOG_WINDOW
    answers.append(await bot.client.post("/api/alarms", data=b"x", headers=compressed))

    assert [answer.status for answer in answers] == [415] * 31
    logged = [r.getMessage() for r in caplog.records if "/api/alarms" in r.getMessage()]
    assert logged == [
        "refused POST /api/alarms: 415 komprimerede kroppe modtages ikke: send kroppen uden Content-Encoding",
        "refused POST /api/alarms: 415 komprimerede kroppe modtages ikke: send kroppen uden Content-Encoding"
        " (og 29 lignende afvist siden sidst)",
    ]


async def test_an_identity_encoding_is_no_compression(bot) -> None:
    answer = await bot.client.post("/api/alarms", data=ALARM, headers={"Content-Encoding": "identity", **AUTH})
    assert answer.status == 202


@pytest.mark.parametrize("host", [b"krisebot:99999", b"krisebot:port", b"\xff\xfe", b"a:b:c", b"[::1"])
@pytest.mark.parametrize("route", ["/api/sms/console", "/api/alarms", "/healthz"])
async def test_a_bad_host_header_gets_400(bot, route: str, host: bytes) -> None:
    method, body = ("GET", None) if route == "/healthz" else ("POST", REPLY)
    answer = await send_raw(base(bot), request_bytes(method, route, AUTH, body, host=host))

    assert answer.status == 400
    assert json.loads(answer.body) == {"error": "ugyldig Host-header"}
    assert await nothing_recorded(bot)


@pytest.mark.parametrize("token", [b"Bearer t\xc3\xb8ken", b"Bearer \xff\xfe\xfd", b"Bearer " + TOKEN.encode() + b"\xff"])
@pytest.mark.parametrize("route", ["/api/alarms", "/api/heartbeats/prometheus"])
async def test_a_bearer_token_that_is_not_ascii_gets_401(bot, route: str, token: bytes) -> None:
    answer = await send_raw(base(bot), request_bytes("POST", route, {"Authorization": token}, ALARM))

    assert answer.status == 401
    assert json.loads(answer.body) == {"error": "ukendt token"}
    assert await nothing_recorded(bot)


@pytest.mark.parametrize(
    "query",
    ["expires=%C2%B2&sig=abc", "expires=" + "9" * 400 + "&sig=abc", "expires=999999999999&sig=abc",
     "expires=9999999999&sig=%C3%B8", "expires=9999999999&sig=%FF%FE", "expires=-1&sig=", ""],
    ids=["superscript", "overlong", "far-future", "non-ascii-sig", "undecodable-sig", "negative", "none"],
)
async def test_a_tampered_export_link_gets_403(bot, query: str) -> None:
    answer = await bot.client.get(f"/api/export/K-2026-001.md?{query}")

    assert answer.status == 403
    assert "skriv «eksport» i Teams igen" in (await answer.json())["error"]


async def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_closes(settings_for, start_bot) -> None:
    bot = await start_bot(settings_for(alarm_token=TOKEN), body_deadline=0.2)
    slow = request_bytes("POST", "/api/alarms", AUTH, ALARM[:10], length=len(ALARM), close=False)

    answer = await send_raw(base(bot), slow, until_closed=True)

    assert answer.status == 408
    assert json.loads(answer.body) == {"error": "kroppen kom ikke inden for 0.2 s"}
    assert await nothing_recorded(bot)


@pytest.mark.parametrize(
    ("route", "body"), [("/api/alarms", ALARM), ("/api/heartbeats/prometheus", b"")], ids=["alarms", "heartbeats"]
)
async def test_a_logbog_that_cannot_be_written_answers_503_with_a_reason(
    settings_for, start_bot, route: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(alarm_token=TOKEN)
    bot = await start_bot(settings)
    refuse_writes(settings.database)

    answer = await bot.client.post(route, data=body, headers=AUTH)

    assert answer.status == 503
    assert answer.headers["Retry-After"] == "30"
    assert (await answer.json())["error"] == "logbogen kan ikke skrives lige nu: prøv igen om lidt"
    assert await nothing_recorded(bot)
    assert "disk full" in caplog.text and "Traceback" not in caplog.text
