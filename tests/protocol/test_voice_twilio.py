"""Twilio Programmable Voice end to end: a call placed with the fake Calls API, picked up, read aloud in Danish,
answered on the keypad and reported, every webhook signed as Twilio signs it."""

import base64
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.errors import PermanentError, TransientError
from bot.channels.voice.base import Ask, CallStatus, KeyPress, OutgoingCall
from bot.channels.voice.providers import voice_provider
from bot.channels.voice.twilio import TwilioVoice
from bot.settings import Settings, load_settings
from tests.fakes.gateway import post_webhook
from tests.fakes.twilio import ACCOUNT_SID
from tests.fakes.twilio_voice import FakeCall, FakeTwilioVoice
from tests.protocol.voice import ASK, INTRO, MINUTES, Service, no_outside_settings, start  # noqa: F401 (fixtures)

CALLER_ID = "+4578787878"
CALL = OutgoingCall(to="+4520304050", caller_id=CALLER_ID, ref="K-2026-001/summons/cvo/voice")


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioVoice]:
    async with FakeTwilioVoice() as fake:
        yield fake


def settings(fake: FakeTwilioVoice, public_url: str, **overrides: Any) -> Settings:
    return load_settings(
        _env_file=None, voice_provider="twilio", voice_caller_id=CALLER_ID, public_url=public_url,
        twilio_base_url=fake.url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=fake.auth_token, **overrides,
    )


async def placed(fake: FakeTwilioVoice, start: Callable[..., Any], **overrides: Any) -> tuple[Service, FakeCall, str]:
    service = await start(lambda public_url: settings(fake, public_url, **overrides))
    async with aiohttp.ClientSession() as session:
        provider = voice_provider(settings(fake, service.url, **overrides), session, service.desk)
        sid = await provider.place(CALL)
    (call,) = fake.calls
    assert call.sid == sid
    return service, call, sid


async def test_placing_a_call_sends_the_documented_request(twilio: FakeTwilioVoice, start: Callable[..., Any]) -> None:
    service, call, sid = await placed(twilio, start)
    assert sid.startswith("CA")
    assert (call.to, call.caller_id) == ("+4520304050", CALLER_ID)
    assert call.url == f"{service.url}/api/voice/twilio/answer?ref=K-2026-001%2Fsummons%2Fcvo%2Fvoice"
    assert call.status_callback == f"{service.url}/api/voice/twilio/status?ref=K-2026-001%2Fsummons%2Fcvo%2Fvoice"
    assert call.status_events == ["initiated", "ringing", "answered", "completed"]
    assert (call.machine_detection, call.timeout) == ("Enable", "30")
    assert twilio.authorizations == ["Basic " + base64.b64encode(f"{ACCOUNT_SID}:{twilio.auth_token}".encode()).decode()]
    assert not service.desk.called(), "placing a call tells the desk nothing"


async def test_a_picked_up_call_says_the_prompt_in_danish_and_gathers_one_digit(
    twilio: FakeTwilioVoice, start: Callable[..., Any]
) -> None:
    service, call, sid = await placed(twilio, start)
    assert (await twilio.answer(call)).status == 200

    (answer,) = service.desk.answers
    assert (answer.provider, answer.call_id, answer.ref, answer.machine) == ("twilio", sid, CALL.ref, False)
    assert call.words() == [INTRO, ASK], "the text, '<' and '&' included, survives the XML"
    assert {(s.language, s.voice) for s in call.heard} == {("da-DK", "Polly.Naja")}
    assert call.gather is not None and not call.hung_up
    assert (call.gather.input, call.gather.num_digits, call.gather.timeout, call.gather.action_on_empty_result) == (
        "dtmf", "1", "8", "true"
    )
    assert call.gather.action == f"{service.url}/api/voice/twilio/keys?ref=K-2026-001%2Fsummons%2Fcvo%2Fvoice&round=1"


async def test_the_voice_and_language_come_from_the_settings(twilio: FakeTwilioVoice, start: Callable[..., Any]) -> None:
    _, call, _ = await placed(twilio, start, voice_name="Polly.Mads", voice_language="da-DK")
    await twilio.answer(call)
    assert {s.voice for s in call.heard} == {"Polly.Mads"}


async def test_a_key_reaches_the_desk_with_its_round_and_the_call_says_what_happened(
    twilio: FakeTwilioVoice, start: Callable[..., Any]
) -> None:
    service, call, sid = await placed(twilio, start)
    await twilio.answer(call)
    await twilio.press(call, "7")
    assert call.gather is not None and call.gather.action.endswith("&round=2")
    await twilio.press(call, "1")

    assert service.desk.presses == [
        KeyPress(provider="twilio", call_id=sid, ref=CALL.ref, digits="7", round=1),
        KeyPress(provider="twilio", call_id=sid, ref=CALL.ref, digits="1", round=2),
    ]
    assert call.words()[-1] == "Tak. Du er registreret som på vej." and call.hung_up and call.gather is None


@pytest.mark.parametrize(("keys", "digits"), [("20#", "20#"), ("#", "#"), ("125", "125"), ("45", "45"), ("", "")])
async def test_a_number_is_gathered_until_the_hash_and_reaches_the_desk_as_pressed(
    twilio: FakeTwilioVoice, start: Callable[..., Any], keys: str, digits: str
) -> None:
    service, call, sid = await placed(twilio, start)
    await twilio.answer(call)
    await twilio.press(call, "3")
    assert call.words()[-1] == MINUTES and call.gather is not None
    assert (call.gather.num_digits, call.gather.finish_on_key, call.gather.action_on_empty_result) == ("3", "#", "true")
    assert call.gather.action == f"{service.url}/api/voice/twilio/keys?ref=K-2026-001%2Fsummons%2Fcvo%2Fvoice&round=1&ask=number"

    await twilio.press(call, keys)
    assert twilio.posted[-1].params["FinishedOnKey"] == ("#" if keys.endswith("#") else ""), "Twilio keeps '#' apart"
    assert service.desk.presses[-1] == KeyPress(
        provider="twilio", call_id=sid, ref=CALL.ref, digits=digits, round=1, ask=Ask.NUMBER
    )
    assert call.words()[-1] == f"Tak. Du tastede {digits}." and call.hung_up


@pytest.mark.parametrize(
    ("query", "form", "reason"),
    [("&ask=minutter", {}, "ask i adressen"), ("", {"FinishedOnKey": "##"}, "FinishedOnKey"),
     ("", {"FinishedOnKey": "x"}, "FinishedOnKey")],
)
async def test_keys_with_an_unknown_ask_or_finishing_key_get_400(
    twilio: FakeTwilioVoice, start: Callable[..., Any], query: str, form: dict[str, str], reason: str
) -> None:
    service, call, _ = await placed(twilio, start)
    await twilio.answer(call)
    assert call.gather is not None
    params = {"CallSid": call.sid, "Digits": "1", "FinishedOnKey": "", **form}
    url = call.gather.action + query
    answer = await post_webhook(
        url, headers={"X-Twilio-Signature": twilio.signature(url, params)}, data=urlencode(params).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status == 400 and reason in answer.reason
    assert not service.desk.presses


async def test_no_key_in_time_is_an_empty_key_press(twilio: FakeTwilioVoice, start: Callable[..., Any]) -> None:
    service, call, _ = await placed(twilio, start)
    await twilio.answer(call)
    await twilio.no_key(call)
    assert [(k.digits, k.round) for k in service.desk.presses] == [("", 1)]


async def test_a_machine_is_told_apart_and_hung_up_on(twilio: FakeTwilioVoice, start: Callable[..., Any]) -> None:
    service, call, _ = await placed(twilio, start)
    await twilio.answer(call, machine=True)
    assert [a.machine for a in service.desk.answers] == [True]
    assert call.words() == ["Dette er Krisebot. Ring til vagtcentralen."] and call.hung_up


@pytest.mark.parametrize(
    ("reported", "answered_by", "status"),
    [("queued", None, CallStatus.RINGING), ("initiated", None, CallStatus.RINGING), ("ringing", None, CallStatus.RINGING),
     ("in-progress", None, CallStatus.ANSWERED), ("completed", "human", CallStatus.COMPLETED),
     ("completed", "machine_end_beep", CallStatus.VOICEMAIL), ("busy", None, CallStatus.BUSY),
     ("no-answer", None, CallStatus.NO_ANSWER), ("failed", None, CallStatus.FAILED), ("canceled", None, CallStatus.FAILED)],
)
async def test_statuses_map_to_call_statuses(
    twilio: FakeTwilioVoice, start: Callable[..., Any], reported: str, answered_by: str | None, status: CallStatus
) -> None:
    service, call, sid = await placed(twilio, start)
    assert (await twilio.status(call, reported, answered_by=answered_by)).status == 200
    (update,) = service.desk.updates
    assert (update.provider, update.call_id, update.ref, update.status) == ("twilio", sid, CALL.ref, status)
    assert update.event_id == f"{sid}:0" and update.at == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    assert reported in update.detail


async def test_a_replayed_status_callback_reaches_the_desk_with_the_same_event_id(
    twilio: FakeTwilioVoice, start: Callable[..., Any]
) -> None:
    """A Twilio signature binds URL and form, not time: a replay verifies, and the desk deduplicates on event_id."""
    service, call, _ = await placed(twilio, start)
    await twilio.status(call, "completed")
    assert (await twilio.repost(twilio.posted[-1])).status == 200
    first, again = service.desk.updates
    assert first.event_id == again.event_id and first.status is again.status


@pytest.mark.parametrize(
    ("options", "reason"),
    [({"signed": False}, "X-Twilio-Signature mangler"), ({"signature": "Zm9yZ2VkIHNpZ25hdHVyZQ=="}, "er ugyldig")],
    ids=["unsigned", "forged"],
)
@pytest.mark.parametrize("hook", ["answer", "press", "status"])
async def test_unsigned_and_forged_webhooks_get_401_and_never_reach_the_desk(
    twilio: FakeTwilioVoice, start: Callable[..., Any], hook: str, options: dict[str, Any], reason: str
) -> None:
    service, call, _ = await placed(twilio, start)
    if hook == "press":
        await twilio.answer(call)
        service.desk.answers.clear()
        answer = await twilio.press(call, "1", **options)
    elif hook == "answer":
        answer = await twilio.answer(call, **options)
    else:
        answer = await twilio.status(call, "completed", **options)
    assert answer.status == 401 and reason in answer.reason
    assert not service.desk.called()


async def test_a_signature_for_another_call_does_not_fit(twilio: FakeTwilioVoice, start: Callable[..., Any]) -> None:
    """The signature covers the URL: a signed answer to one call cannot be moved to another ref."""
    service, call, _ = await placed(twilio, start)
    params = {"CallSid": call.sid, "AnsweredBy": "human"}
    other = call.url.replace("ref=K-2026-001", "ref=K-2026-002")
    answer = await post_webhook(
        other, headers={"X-Twilio-Signature": twilio.signature(call.url, params)}, data=urlencode(params).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status == 401 and not service.desk.called()


async def test_a_desk_that_fails_gets_503_for_twilio_to_retry(twilio: FakeTwilioVoice, start: Callable[..., Any]) -> None:
    service, call, _ = await placed(twilio, start)
    service.desk.fail = True
    assert (await twilio.answer(call)).status == 503


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def provider(fake: FakeTwilioVoice, session: aiohttp.ClientSession, token: str | None = None) -> TwilioVoice:
    return TwilioVoice(
        session, base_url=fake.url, account_sid=ACCOUNT_SID, auth_token=token or fake.auth_token,
        public_url="https://krise.example.dk",
    )


async def test_throttling_is_transient_with_retry_after(twilio: FakeTwilioVoice, session: aiohttp.ClientSession) -> None:
    twilio.throttle(retry_after=2)
    with pytest.raises(TransientError) as caught:
        await provider(twilio, session).place(CALL)
    assert caught.value.retry_after == 2 and twilio.calls == []


async def test_an_invalid_number_is_permanent(twilio: FakeTwilioVoice, session: aiohttp.ClientSession) -> None:
    twilio.refuse_number(CALL.to)
    with pytest.raises(PermanentError, match="21211"):
        await provider(twilio, session).place(CALL)


async def test_wrong_credentials_are_transient(twilio: FakeTwilioVoice, session: aiohttp.ClientSession) -> None:
    with pytest.raises(TransientError, match="adgangsnøgle"):
        await provider(twilio, session, token="wrong").place(CALL)
