"""The service's log as an operator's log shipper reads it: JSON lines with the crisis and event,
and never a secret or the text people wrote."""

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import JsonFormatter, configure_logging
from tests.fakes.connector import FakeConnector
from tests.protocol.crisis import Crisis, alarm
from tests.protocol.raw_http import request_bytes, send_raw
from tests.protocol.teams import EVERYONE, installed, register
from tests.serve import free_port

SECRET = "alarm-token-5ecret"
DESCRIPTION = "Lønkørslen fejler på serveren løn01"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Krisebot's logging set up as ``serve`` does, into a buffer (not a terminal)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_json_line_has_time_level_logger_message_and_the_crisis() -> None:
    record = logging.LogRecord("krisebot.engine", logging.INFO, __file__, 1, "recorded %s", ("alarm_raised",), None)
    record.crisis_id, record.event_id = "K-2026-001", 7

    line = json.loads(JsonFormatter().format(record))

    assert line["level"] == "INFO" and line["logger"] == "krisebot.engine"
    assert line["message"] == "recorded alarm_raised"
    assert (line["crisis_id"], line["event_id"]) == ("K-2026-001", 7)
    assert line["time"].endswith("+00:00")

CONSOLES = {"krisebot.sms", "krisebot.voice"}
"""The console providers' loggers: locally they show the text of each SMS and call, which is their point."""


async def test_a_crisis_is_logged_with_its_id_without_secrets_or_message_text(
    log_stream: io.StringIO, settings_for, start_bot, connector: FakeConnector
) -> None:
    bot = await start_bot(settings_for(alarm_token=SECRET))
    register(connector, *EVERYONE)
    for user in EVERYONE:
        assert (await bot.post(installed(user, connector.url))).status == 201
    crisis_id = await alarm(Crisis(bot, connector), description=DESCRIPTION)

    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]

    recorded = [line for line in lines if line.get("crisis_id") == crisis_id]
    assert {"recorded alarm_raised", "recorded page_sent"} <= {line["message"] for line in recorded}
    assert all(isinstance(line["event_id"], int) for line in recorded if line["message"].startswith("recorded"))
    text = log_stream.getvalue()
    assert SECRET not in text
    own = [line for line in lines if line["logger"] not in CONSOLES]
    assert not [line for line in own if "løn01" in json.dumps(line, ensure_ascii=False)], "message text in the service's log"


async def test_a_control_character_neither_leaks_the_alarm_token_nor_forges_a_log_line(
    settings_for, start_bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(settings_for(alarm_token=SECRET))
    base = str(bot.client.make_url("")).rstrip("/")
    garbled = {"Authorization": b"Bearer " + SECRET.encode() + b"\x01"}  # the server cannot parse this header

    answer = await send_raw(base, request_bytes("POST", "/api/alarms", garbled, b"{}"))
    forged = await bot.client.get("/api/export/K-2026-001%0A2026-11-28%20INFO%20krisebot:%20alt%20er%20fint.md?expires=1&sig=x")

    assert (answer.status, forged.status) == (400, 403)
    assert SECRET not in caplog.text
    assert "afviste en ugyldig HTTP-forespørgsel fra 127.0.0.1: BadHttpMessage (400)" in caplog.text
    assert "refused GET /api/export/K-2026-001\\x0a2026-11-28 INFO krisebot: alt er fint.md: 403" in caplog.text
    assert not [r for r in caplog.records if "\n" in r.getMessage()]


def test_serve_logs_json_lines_without_secrets_or_link_signatures(tmp_path: Path) -> None:
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.upper().startswith("KRISEBOT_")}
    env |= {"KRISEBOT_PORT": str(port), "KRISEBOT_ALARM_TOKEN": SECRET, "KRISEBOT_GATEWAYAPI_TOKEN": SECRET}
    service = subprocess.Popen(
        [str(Path(sys.executable).with_name("krisebot")), "serve"], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                assert service.poll() is None and time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/api/export/K-2026-001.html?expires=1&sig=signature-{SECRET}", timeout=5)
        for probe in ("/healthz", "/readyz"):
            urllib.request.urlopen(base + probe, timeout=5).close()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/ingen-steder", timeout=5)
        garbled = request_bytes("POST", "/api/alarms", {"Authorization": f"Bearer {SECRET}\x01".encode()}, b"{}")
        assert asyncio.run(send_raw(base, garbled)).status == 400
    finally:
        service.terminate()
        _, stderr = service.communicate(timeout=30)

    lines = [json.loads(line) for line in stderr.splitlines()]
    messages = [line["message"] for line in lines]
    assert any(message.startswith("starting on 127.0.0.1") for message in messages)
    assert "refused GET /api/export/K-2026-001.html: 403" in " ".join(messages)
    assert any(message.startswith("GET /ingen-steder 404") for message in messages)
    assert not any(probe in message for message in messages for probe in ("/healthz", "/readyz"))  # every few seconds
    assert SECRET not in stderr and "signature" not in stderr
