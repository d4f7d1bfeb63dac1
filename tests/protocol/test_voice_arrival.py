"""«Kommer» on the keypad, then the minutes until arrival, as the SMS's ``1K 20`` gives them.

The real app on the bundled plan as shipped, everyone in Teams and the log channel set up, calls
through a fake Twilio behind the public URL (or the console provider, as ``krisebot call-reply``
presses keys), a clock moved by hand. When the crisis staff is summoned, the communications lead
Lisbeth Kusk is called on her mobile.
"""

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.app import CRISES
from bot.channels.voice.console import send_keys
from bot.clock import LOCAL_TIME
from bot.plan import load_plan
from bot.render.export import logbog_markdown
from bot.resources import default_plan_path
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.fakes.twilio_voice import FakeCall, FakeTwilioVoice
from tests.protocol.crisis import Crisis, activated, at, installed_for, text_of
from tests.protocol.teams import CLAUS, in_channel

PLAN = load_plan(default_plan_path())
PUBLIC_URL = "https://krisebot.struer.dk"
LAK = PLAN.person_by_id["lak"]
ROLE = PLAN.role_by_id["kommunikation"]
ASKED = [
    "Tak.", "Det er registreret: du kommer.", "Hvor mange minutter går der, før du er fremme?",
    "Tast tallet, og afslut med firkant.", "Tast blot firkant, hvis du ikke ved det.",
]


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, twilio: FakeTwilioVoice, clock: Clock) -> Crisis:
    settings = settings_for(
        public_url=PUBLIC_URL, voice_provider="twilio", voice_caller_id="+4596848000", voice_calls_per_second=50,
        twilio_base_url=twilio.url.rstrip("/"), twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
    )
    bot = await start_bot(settings, clock=clock)
    twilio.serve(PUBLIC_URL, at=str(bot.client.make_url("/")))
    crisis = await installed_for(bot, connector)
    assert (await bot.post(in_channel(CLAUS, connector.url, "logkanal"))).status == 201
    return crisis


async def summoned(crisis: Crisis, twilio: FakeTwilioVoice, person: str = "lak") -> tuple[str, FakeCall]:
    """The crisis staff activated from Teams, and ``person``'s summons call picked up; the crisis id and the call."""
    crisis_id = await activated(crisis)
    numbers = [phone.number for phone in PLAN.person_by_id[person].phones]
    [call] = [call for call in twilio.calls if call.to in numbers]
    await twilio.answer(call)
    assert "Tryk 1, hvis du kommer." in call.words()
    return crisis_id, call


async def coming(crisis: Crisis, twilio: FakeTwilioVoice) -> tuple[str, FakeCall]:
    """Lisbeth's summons call, «kommer» pressed: recorded at once, and the call asks for the minutes."""
    crisis_id, call = await summoned(crisis, twilio)
    heard = len(call.words())
    await twilio.press(call, "1")
    assert call.words()[heard:] == ASKED
    assert call.gather is not None and (call.gather.num_digits, call.gather.finish_on_key) == ("3", "#")
    answer = crisis.bot.client.app[CRISES].get(crisis_id).answers["lak"]
    assert (answer.coming, answer.eta) == (True, ""), "«kommer» is recorded as the key is pressed"
    return crisis_id, call


async def logbog(crisis: Crisis, crisis_id: str) -> str:
    return logbog_markdown(PLAN, await crisis.bot.store.events(crisis_id=crisis_id))


async def situation_card(crisis: Crisis, connector: FakeConnector, crisis_id: str) -> str:
    thread = await crisis.bot.store.thread(crisis_id=crisis_id)
    assert thread is not None
    return text_of(connector.updates(thread.conversation_id)[-1])


async def keys_pressed(crisis: Crisis, crisis_id: str) -> list[tuple[str, str, str]]:
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    return [(e.payload.person, e.payload.digits, e.payload.outcome) for e in events if e.payload.type == "key_pressed"]


async def test_kommer_and_20_minutes_show_the_arrival_on_the_situation_card_and_in_the_logbog(
    crisis: Crisis, connector: FakeConnector, twilio: FakeTwilioVoice, clock: Clock
) -> None:
    crisis_id, call = await coming(crisis, twilio)
    clock.now += timedelta(seconds=12)  # the question is heard, the minutes typed
    arrival = f"{(clock.now + timedelta(minutes=20)).astimezone(LOCAL_TIME):%H:%M}"
    await twilio.press(call, "20#")
    assert twilio.posted[-1].params["Digits"] == "20" and twilio.posted[-1].params["FinishedOnKey"] == "#"
    assert call.words()[-3:] == ["Tak.", f"Du er noteret til at være fremme om cirka 20 minutter, klokken {arrival}.", "Farvel."]
    assert call.hung_up
    assert (await twilio.repost(twilio.posted[-1])).status == 200, "Twilio retries the webhook: it counts once"
    await twilio.status(call, "completed")
    await crisis.settled()

    answer = crisis.bot.client.app[CRISES].get(crisis_id).answers["lak"]
    assert (answer.coming, answer.eta, answer.at) == (True, "20 min", clock.now)
    card = await situation_card(crisis, connector, crisis_id)
    assert f"**Lisbeth Kusk** – ankomst ca. {arrival}" in card
    assert await keys_pressed(crisis, crisis_id) == [
        ("lak", "1", "kommer pr. telefon (tast 1)"), ("lak", "20#", "ankomst om 20 min pr. telefon"),
    ]
    text = await logbog(crisis, crisis_id)
    assert f"Lisbeth Kusk tastede 20# i opkaldet til {LAK.mobile.number} – ankomst om 20 min pr. telefon" in text
    assert f"Lisbeth Kusk: Kommer, ankomst ca. kl. {arrival} (20 min)" in text
    metrics = await (await crisis.bot.client.get("/metrics")).text()
    assert 'krisebot_calls_total{outcome="key_pressed"} 1.0' in metrics, "one call, however many keys"


async def test_the_hash_alone_keeps_kommer_without_a_time(
    crisis: Crisis, connector: FakeConnector, twilio: FakeTwilioVoice
) -> None:
    crisis_id, call = await coming(crisis, twilio)
    await twilio.press(call, "#")
    assert call.words()[-3:] == ["Tak.", "Du er noteret til at komme.", "Farvel."] and call.hung_up
    await crisis.settled()

    answer = crisis.bot.client.app[CRISES].get(crisis_id).answers["lak"]
    assert (answer.coming, answer.eta) == (True, "")
    card = await situation_card(crisis, connector, crisis_id)
    assert "**Lisbeth Kusk** – svar kl." in card and "**Lisbeth Kusk** – ankomst" not in card
    assert (await keys_pressed(crisis, crisis_id))[-1] == ("lak", "#", "kommer, uden ankomsttid")


async def test_a_hang_up_after_kommer_keeps_it_and_summons_nobody_else(
    crisis: Crisis, twilio: FakeTwilioVoice, clock: Clock
) -> None:
    crisis_id, call = await coming(crisis, twilio)
    await twilio.status(call, "completed")
    await crisis.settled()
    start = clock.now
    await at(crisis, clock, start + PLAN.ack_timeout(ROLE) * (PLAN.repeat(ROLE) + 2))

    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.answers["lak"].coming and state.role_acknowledged("kommunikation", "summons")
    deputy = [phone.number for phone in PLAN.person_by_id["marialouiserj"].phones]
    assert not [c for c in twilio.calls if c.to in deputy], "the deputy is not summoned"
    assert [c for c in twilio.calls if c.to == call.to] == [call], "Lisbeth is not called again"


NO_MINUTES = "Det er ikke et antal minutter mellem 1 og 600."


@pytest.mark.parametrize(
    ("keys", "typed", "said"),
    [("700#", "700", NO_MINUTES), ("0#", "0#", NO_MINUTES), ("*#", "*#", NO_MINUTES),
     ("", "", "Der blev ikke tastet nogen minutter.")],
)
async def test_minutes_that_cannot_be_used_change_nothing(
    crisis: Crisis, twilio: FakeTwilioVoice, keys: str, typed: str, said: str
) -> None:
    """The gather ends at its third digit (a '#' after it is lost) or at its '#'; what it got is logged as it came."""
    crisis_id, call = await coming(crisis, twilio)
    await twilio.press(call, keys)
    assert call.words()[-3:] == [said, "Du er noteret til at komme, men uden et tidspunkt.", "Farvel."] and call.hung_up
    await crisis.settled()

    answer = crisis.bot.client.app[CRISES].get(crisis_id).answers["lak"]
    assert (answer.coming, answer.eta) == (True, "")
    logged = [("lak", typed, "ikke et antal minutter mellem 1 og 600; intet ændret")] if typed else []
    assert await keys_pressed(crisis, crisis_id) == [("lak", "1", "kommer pr. telefon (tast 1)"), *logged]


@pytest.mark.parametrize("first", ["2", None], ids=["kommer ikke", "no key"])
async def test_minutes_count_only_after_kommer_was_pressed_in_that_call(
    crisis: Crisis, twilio: FakeTwilioVoice, first: str | None
) -> None:
    """A number prompt's URL made up for a call whose «kommer» was never pressed: signed, yet nothing counts."""
    crisis_id, call = await summoned(crisis, twilio)
    assert call.gather is not None
    forged = replace(call.gather, action=call.gather.action + "&ask=number", num_digits="3", finish_on_key="#")
    if first:
        await twilio.press(call, first)
    call.gather = forged
    answer = await twilio.press(call, "20#")
    assert answer.status == 200
    assert call.words()[-3:-1] == ["Det blev ikke registreret.", "Du har ikke svaret, at du kommer, i dette opkald."]
    await crisis.settled()

    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.answers.get("lak") is None if first is None else not state.answers["lak"].coming
    assert [digits for _, digits, _ in await keys_pressed(crisis, crisis_id)] == ([first] if first else [])


@pytest.fixture
async def console(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> Crisis:
    """Calls go to the console provider; keys come as ``krisebot call-reply`` sends them."""
    return await installed_for(await start_bot(settings_for(voice_calls_per_second=50), clock=clock), connector)


async def test_krisebot_call_reply_answers_kommer_and_the_minutes_on_a_console_call(console: Crisis) -> None:
    crisis_id = await activated(console)
    base = str(console.bot.client.make_url("/"))
    mobile = "40 40 80 07"
    for _ in range(100):  # the console picks the call up as soon as it is placed
        try:
            asked = await send_keys(base, mobile, "1")
            break
        except Exception:
            await console.settled()
    assert asked == {"say": ASKED, "gather": True, "round": 1, "ask": "number"}
    done = await send_keys(base, mobile, "45#")
    assert done["say"][1].startswith("Du er noteret til at være fremme om cirka 45 minutter, klokken ")
    await console.settled()
    assert console.bot.client.app[CRISES].get(crisis_id).answers["lak"].eta == "45 min"
