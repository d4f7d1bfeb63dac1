"""``GET /metrics`` as Prometheus scrapes it: pages, acknowledgements, time to acknowledge, the
outbox, breakers and refused requests, read from the logbog so a restart keeps them."""

import re
from datetime import timedelta

from bot.app import METRICS
from bot.store.base import OutboxItem
from tests.fakes.connector import FakeConnector
from tests.protocol.crisis import Crisis, alarm
from tests.protocol.teams import CLAUS, EVERYONE, installed, register
from tests.protocol.test_escalation_flow import Clock


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the text format; fails when it is absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{name}{{{wanted}}} is not in\n{text}"
    return float(match.group(1))


async def scrape(bot) -> str:
    response = await bot.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return await response.text()


async def start(settings, start_bot, connector: FakeConnector, clock: Clock):
    bot = await start_bot(settings, clock=clock)
    register(connector, *EVERYONE)
    for user in EVERYONE:
        assert (await bot.post(installed(user, connector.url))).status == 201
    return bot


async def test_a_sent_and_acknowledged_page_shows_in_the_metrics_and_survives_a_restart(
    settings_for, start_bot, connector: FakeConnector
) -> None:
    clock, settings = Clock(), settings_for()
    crisis = Crisis(await start(settings, start_bot, connector, clock), connector)
    crisis_id = await alarm(crisis)
    clock.now += timedelta(seconds=75)
    await crisis.taps(CLAUS, "acknowledge", crisis=crisis_id)
    await crisis.settled()
    waiting = OutboxItem(
        key="test/waiting", crisis_id=crisis_id, person="cvo", roles=("it",), purpose="triage", channel="teams",
        attempt_at=clock.now, next_try_at=clock.now + timedelta(hours=1), tries=1,
    )
    await crisis.bot.store.enqueue(items=[waiting])

    text = await scrape(crisis.bot)

    assert sample(text, "krisebot_pages_sent_total", channel="teams") == 1
    assert "krisebot_pages_failed_total{" not in text
    assert sample(text, "krisebot_acknowledgements_total", via="teams") == 1
    assert sample(text, "krisebot_time_to_acknowledgement_seconds_count") == 1
    assert sample(text, "krisebot_time_to_acknowledgement_seconds_sum") == 75
    assert sample(text, "krisebot_time_to_acknowledgement_seconds_bucket", le="60.0") == 0
    assert sample(text, "krisebot_time_to_acknowledgement_seconds_bucket", le="90.0") == 1
    assert sample(text, "krisebot_outbox_depth", channel="teams") == 1
    assert sample(await scrape(crisis.bot), "krisebot_pages_sent_total", channel="teams") == 1  # not counted twice

    restarted = await start_bot(settings, clock=clock)
    again = await scrape(restarted)
    assert sample(again, "krisebot_pages_sent_total", channel="teams") == 1
    assert sample(again, "krisebot_acknowledgements_total", via="teams") == 1
    assert sample(again, "krisebot_time_to_acknowledgement_seconds_sum") == 75


async def test_refused_requests_and_breaker_states_are_exported(bot) -> None:
    bot.client.app[METRICS].breakers = lambda: {"graph": "open", "connector": "closed"}
    assert (await bot.client.post("/api/messages", data=b"{not json")).status == 400
    assert (await bot.client.get("/api/export/K-2026-001.html?expires=1&sig=x")).status == 403

    text = await scrape(bot)

    assert sample(text, "krisebot_webhook_rejections_total", endpoint="/api/messages", status="400") == 1
    assert sample(text, "krisebot_webhook_rejections_total", endpoint="/api/export/{crisis}.{fmt}", status="403") == 1
    assert sample(text, "krisebot_breaker_state", dependency="graph", state="open") == 1
    assert sample(text, "krisebot_breaker_state", dependency="graph", state="closed") == 0
    assert sample(text, "krisebot_breaker_state", dependency="connector", state="closed") == 1
