"""Stopping the service: a background loop stuck in a driver that ignores its cancellation does not keep it running."""

import asyncio
import logging

import pytest

from bot import app


async def test_a_loop_that_ignores_its_cancellation_is_left_behind_after_the_grace_and_named(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(app, "STOP_GRACE", 0.05)
    let_go = asyncio.Event()

    async def stuck() -> None:  # as a pool waiting for a server that went away
        while not let_go.is_set():
            try:
                await let_go.wait()
            except asyncio.CancelledError:
                continue

    async def obliging() -> None:
        await asyncio.sleep(3600)

    tasks = [asyncio.create_task(stuck(), name="opfølgningen på logbogen"), asyncio.create_task(obliging(), name="x")]
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING):
        await app._stopped(*tasks)

    assert tasks[1].cancelled() and not tasks[0].done()
    assert [record.getMessage() for record in caplog.records] == [
        "Opfølgningen på logbogen stoppede ikke inden for 0.05 s; tjenesten lukker alligevel"
    ]
    let_go.set()
    await tasks[0]
