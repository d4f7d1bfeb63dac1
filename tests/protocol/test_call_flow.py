"""A page's call as the logbog tells it: every status Twilio reports is there once, and a call that
rings out moves the page on. The real app, the fake Twilio behind its public URL, a clock moved by hand."""

from bot.app import CRISES
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.protocol.crisis import Crisis
from tests.protocol.sms import Clock, Phones, clock, crisis, gateway, graph, later, more_settings, sms_plan, voice  # noqa: F401 (fixtures)


async def test_every_status_of_a_call_is_in_the_logbog_once(
    crisis: Crisis, gateway: FakeGatewayApi, voice: FakeTwilioVoice, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    await phones.text("lak", "KRISE ALARM Lønkørslen fejler")
    await later(crisis, clock, 1)
    [state] = crisis.bot.client.app[CRISES].active()
    [call] = voice.calls

    assert (await voice.status(call, "ringing")).status == 200
    assert (await voice.repost(voice.posted[-1])).status == 200, "Twilio retries a callback it saw no answer to"
    await voice.ring_out()
    await later(crisis, clock, 1)

    reported = [e.payload for e in await crisis.bot.store.events(crisis_id=state.id) if e.payload.type == "call_reported"]
    assert [(p.person, p.number, p.provider_id, p.status.value) for p in reported] == [
        ("cvo", call.to, call.sid, "ringing"), ("cvo", call.to, call.sid, "no_answer"),
    ]
