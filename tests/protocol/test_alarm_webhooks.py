"""POST /api/alarms: Alertmanager, Grafana and generic alarms reach the IT head through the plan's alarm chain."""

import json
from datetime import timedelta

import pytest

from bot.app import CRISES, PLAN
from bot.core.events import AlarmReported, AlarmStatus
from bot.core.state import Phase
from bot.render.export import logbog_markdown
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.protocol.alarms import TOKEN, alertmanager, generic, grafana, post_alarm
from tests.protocol.crisis import Crisis, facts_of, text_of, verbs
from tests.protocol.teams import CLAUS, EVERYONE, installed, register


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def started(settings_for, start_bot, connector: FakeConnector, clock: Clock, **settings) -> Crisis:
    bot = await start_bot(settings_for(alarm_token=TOKEN, **settings), clock=clock)
    register(connector, *EVERYONE)
    for user in EVERYONE:
        assert (await bot.post(installed(user, connector.url))).status == 201
    return Crisis(bot, connector)


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> Crisis:
    return await started(settings_for, start_bot, connector, clock)


def triage_cards(crisis: Crisis) -> list[dict]:
    return [card for card in crisis.cards_of(CLAUS) if "triage_inform_director" in verbs(card)]


async def logbog(crisis: Crisis, crisis_id: str) -> str:
    app = crisis.bot.client.app
    return logbog_markdown(app[PLAN], await crisis.bot.store.events(crisis_id=crisis_id))


async def test_an_alertmanager_alarm_about_o365_pages_the_it_head_for_triage(crisis: Crisis) -> None:
    response = await post_alarm(crisis.bot, alertmanager())
    assert response.status == 202
    assert await response.json() == {"crisis": "K-2026-001", "status": "new"}
    await crisis.settled()

    state = crisis.bot.client.app[CRISES].get("K-2026-001")
    assert (state.source, state.deliveries, state.phase) == ("overvaagning", ("o365",), Phase.TRIAGE)
    [card] = triage_cards(crisis)
    assert "K-2026-001" in text_of(card) and "Mail og kalender svarer ikke" in text_of(card)
    exported = await logbog(crisis, "K-2026-001")
    assert "Overvågning (Alertmanager)" in exported
    assert "Alarm fra Overvågningssystemer; berørte leverancer: O365" in exported


async def test_a_repeat_of_a_firing_alert_joins_its_crisis_without_paging_again(crisis: Crisis) -> None:
    assert (await (await post_alarm(crisis.bot, alertmanager())).json())["status"] == "new"
    await crisis.settled()
    again = await post_alarm(crisis.bot, alertmanager())

    assert again.status == 202
    assert await again.json() == {"crisis": "K-2026-001", "status": "joined"}
    await crisis.settled()
    assert len(crisis.bot.client.app[CRISES].all()) == 1
    assert len(triage_cards(crisis)) == 1
    assert "Overvågningen melder alarmen igen – «Alertmanager: ExchangeOnlineDown" in await logbog(crisis, "K-2026-001")


async def test_resolved_is_logged_and_told_to_the_it_head_but_the_crisis_stays_open(crisis: Crisis) -> None:
    await post_alarm(crisis.bot, alertmanager())
    await crisis.settled()
    resolved = await post_alarm(crisis.bot, alertmanager("resolved"))

    assert resolved.status == 202
    assert await resolved.json() == {"crisis": "K-2026-001", "status": "resolved"}
    await crisis.settled()
    assert crisis.bot.client.app[CRISES].get("K-2026-001").phase is Phase.TRIAGE
    notices = [c for c in crisis.cards_of(CLAUS) if "Overvågningen melder alarmen afklaret" in text_of(c)]
    assert len(notices) == 1 and "acknowledge" in verbs(notices[0])
    assert "Overvågningen melder alarmen afklaret (krisen er stadig åben)" in await logbog(crisis, "K-2026-001")

    await post_alarm(crisis.bot, alertmanager("resolved"))  # Alertmanager sends resolved again: told once
    await crisis.settled()
    assert len([c for c in crisis.cards_of(CLAUS) if "Overvågningen melder alarmen afklaret" in text_of(c)]) == 1
    reports = [e for e in await crisis.bot.store.events(crisis_id="K-2026-001") if isinstance(e.payload, AlarmReported)]
    assert [e.payload.status for e in reports] == [AlarmStatus.RESOLVED]


async def test_a_resolved_alert_without_an_open_crisis_is_ignored(crisis: Crisis) -> None:
    response = await post_alarm(crisis.bot, alertmanager("resolved"))
    assert response.status == 202
    assert (await response.json())["status"] == "ignored"
    assert crisis.bot.client.app[CRISES].all() == []


async def test_grafana_alerts_each_get_a_crisis_and_an_unmapped_one_says_ukendt_leverance(crisis: Crisis) -> None:
    response = await post_alarm(crisis.bot, grafana())

    assert response.status == 202
    assert await response.json() == [
        {"crisis": "K-2026-001", "status": "new"}, {"crisis": "K-2026-002", "status": "new"},
    ]
    crises = crisis.bot.client.app[CRISES]
    memory, cpu = crises.get("K-2026-001"), crises.get("K-2026-002")
    assert memory.deliveries == () and "Ukendt leverance" in memory.description
    assert "High memory usage – This alert was triggered for zone us-1" in memory.description
    assert cpu.deliveries == ("it-infrastruktur",) and "Ukendt leverance" not in cpu.description
    assert cpu.raised_by == "Overvågning (Grafana)"


async def test_the_generic_format_names_its_source_and_deliveries(crisis: Crisis) -> None:
    response = await post_alarm(crisis.bot, generic(description="Ingen lønsedler dannet", severity="critical"))

    assert response.status == 202
    state = crisis.bot.client.app[CRISES].get((await response.json())["crisis"])
    assert state.deliveries == ("lonudbetaling",)
    assert state.raised_by == "Overvågning (KMD Opus)"
    assert "Ingen lønsedler dannet" in state.description and "Alvorlighed: critical" in state.description


async def test_a_generic_alarm_names_its_deliveries_and_source_by_name_however_spelt(crisis: Crisis) -> None:
    response = await post_alarm(crisis.bot, generic(source="dpo", deliveries=["O365", "Lønudbetaling", "lonudbetaling"]))

    assert response.status == 202
    assert await response.json() == {"crisis": "K-2026-001", "status": "new"}
    await crisis.settled()
    [card] = triage_cards(crisis)
    facts = facts_of(card)
    assert facts["Kilde"] == "DPO" and facts["Berørte leverancer"] == "O365, Lønudbetaling"
    assert "Alarm fra DPO; berørte leverancer: O365, Lønudbetaling" in await logbog(crisis, "K-2026-001")


async def test_a_delivery_the_plan_does_not_know_is_raised_and_flagged_not_refused(crisis: Crisis) -> None:
    response = await post_alarm(crisis.bot, generic(deliveries=["Vandforsyning", "lonudbetaling"]))

    assert response.status == 202
    assert await response.json() == {"crisis": "K-2026-001", "status": "new", "unknown_deliveries": ["Vandforsyning"]}
    await crisis.settled()
    [card] = triage_cards(crisis)
    facts = facts_of(card)
    assert facts["Berørte leverancer"] == "Vandforsyning (ukendt leverance), Lønudbetaling"
    assert facts["Kilde"] == "Overvågningssystemer"
    exported = await logbog(crisis, "K-2026-001")
    assert "berørte leverancer: Vandforsyning (ukendt leverance), Lønudbetaling" in exported


async def test_both_tokens_of_a_rotation_work_and_others_get_401(settings_for, start_bot, connector, clock) -> None:
    bot = await start_bot(settings_for(alarm_token="gammelt-token, nyt-token"), clock=clock)

    old = await post_alarm(bot, generic(fingerprint="a"), headers={"Authorization": "Bearer gammelt-token"})
    new = await post_alarm(bot, generic(fingerprint="b"), headers={"Authorization": "Bearer nyt-token"})
    wrong = await post_alarm(bot, generic(), headers={"Authorization": "Bearer gammelt"})
    missing = await post_alarm(bot, generic(), headers={})
    basic = await post_alarm(bot, generic(), headers={"Authorization": "Basic bnl0LXRva2Vu"})

    assert (old.status, new.status) == (202, 202)
    assert (wrong.status, missing.status, basic.status) == (401, 401, 401)
    assert (await wrong.json())["error"] == "ukendt token"
    assert len(bot.client.app[CRISES].all()) == 2


async def test_without_a_token_configured_no_alarm_is_accepted(settings_for, start_bot) -> None:
    bot = await start_bot(settings_for())
    response = await post_alarm(bot, generic(), headers={"Authorization": "Bearer "})
    assert response.status == 503
    assert "KRISEBOT_ALARM_TOKEN" in (await response.json())["error"]
    assert bot.client.app[CRISES].all() == []


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [
        (b"{not json", 400, "ugyldig JSON"),
        (b"[1, 2]", 400, "JSON-objekt"),
        (json.dumps({"hello": "world"}).encode(), 400, "ukendt format"),
        (json.dumps({"version": "4", "status": "firing", "alerts": [{"labels": {}}]}).encode(), 400, "alerts.0.status"),
        (json.dumps(generic(deliveries=[f"d{n}" for n in range(51)])).encode(), 400, "deliveries: må højst have 50 elementer"),
        (json.dumps(generic(deliveries=["d" * 101])).encode(), 400, "deliveries.0: må højst være 100 tegn"),
        (json.dumps({**alertmanager(), "alerts": alertmanager()["alerts"] * 1001}).encode(), 400, "højst 1000"),
        (json.dumps(generic(description="x" * 4000, labels={"pad": "y" * (1024 * 1024)})).encode(), 413, "1024 KB"),
        (b'{"title": ' * 50000 + b'"x"' + b"}" * 50000, 400, "indlejret for dybt"),
        (b"[" * 100000 + b"]" * 100000, 400, "indlejret for dybt"),
    ],
    ids=[
        "malformed", "not-an-object", "unknown-format", "bad-alertmanager", "too-many-deliveries", "too-long-delivery", "too-many", "too-big",
        "deeply-nested-object", "deeply-nested-list",
    ],
)
async def test_bad_input_is_refused_with_a_reason(crisis: Crisis, raw: bytes, status: int, reason: str) -> None:
    response = await post_alarm(crisis.bot, None, raw=raw)
    assert response.status == status
    assert reason in (await response.json())["error"]
    assert crisis.bot.client.app[CRISES].all() == []


async def test_a_flood_from_one_source_is_limited_and_never_pages_twice(
    settings_for, start_bot, connector, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    crisis = await started(settings_for, start_bot, connector, clock, alarm_rate_limit=2)
    answers = [await post_alarm(crisis.bot, alertmanager()) for _ in range(5)]
    other = await post_alarm(crisis.bot, generic())  # another source has its own limit

    assert [a.status for a in answers] == [202, 202, 429, 429, 429]
    assert answers[2].headers["Retry-After"] == "30"
    assert (await answers[2].json())["status"] == "limited"
    assert other.status == 202
    await crisis.settled()
    assert len([c for c in triage_cards(crisis) if "ExchangeOnlineDown" in text_of(c)]) == 1
    assert len([r for r in caplog.records if "begrænses" in r.getMessage()]) == 1

    clock.now += timedelta(seconds=30)
    later = await post_alarm(crisis.bot, alertmanager())
    assert later.status == 202
    assert await later.json() == {"crisis": "K-2026-001", "status": "joined"}


async def test_made_up_sources_meet_the_overall_limit(settings_for, start_bot, connector, clock: Clock) -> None:
    crisis = await started(settings_for, start_bot, connector, clock, alarm_rate_limit=1)  # 5 a minute in all
    answers = [await post_alarm(crisis.bot, generic(source=f"Kilde {n}", fingerprint=str(n))) for n in range(6)]

    assert [a.status for a in answers] == [202] * 5 + [429]
    assert await answers[5].json() == {
        "crisis": None, "status": "limited", "reason": "for mange alarmer i alt (over 5 i minuttet): send igen senere",
    }
    assert answers[5].headers["Retry-After"] == "12"
    assert len(crisis.bot.client.app[CRISES].all()) == 5


async def test_an_alarm_with_a_very_long_link_is_still_raised(crisis: Crisis) -> None:
    body = alertmanager()
    body["alerts"][0]["generatorURL"] = "http://prometheus.struer.local:9090/graph?g0.expr=" + "x" * 5000
    response = await post_alarm(crisis.bot, body)
    assert response.status == 202 and (await response.json())["status"] == "new"
    state = crisis.bot.client.app[CRISES].get("K-2026-001")
    assert state.description.startswith("ExchangeOnlineDown – Mail og kalender svarer ikke")
