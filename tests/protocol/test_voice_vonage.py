"""Vonage Voice API end to end: a call placed with the fake API (RS256 token), picked up, read aloud in Danish
(NCCO), answered on the keypad and reported, every webhook signed as Vonage signs it (HS256, payload_hash)."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.errors import PermanentError, TransientError
from bot.channels.voice.base import Ask, CallStatus, KeyPress, OutgoingCall
from bot.channels.voice.providers import voice_provider
from bot.channels.voice.vonage import VonageVoice
from bot.settings import Settings, load_settings
from tests.fakes.gateway import post_webhook
from tests.fakes.vonage import FakeCall, FakeVonage
from tests.protocol.voice import ASK, INTRO, MINUTES, Service, no_outside_settings, start  # noqa: F401 (fixtures)

CALLER_ID = "+4578787878"
CALL = OutgoingCall(to="+4520304050", caller_id=CALLER_ID, ref="K-2026-001/summons/cvo/voice")
REF = "ref=K-2026-001%2Fsummons%2Fcvo%2Fvoice"


@pytest.fixture
async def vonage() -> AsyncIterator[FakeVonage]:
    async with FakeVonage() as fake:
        yield fake


@pytest.fixture
def key_file(vonage: FakeVonage, tmp_path: Path) -> Path:
    path = tmp_path / "vonage.pem"
    path.write_text(vonage.private_key_pem, encoding="utf-8")
    return path


def settings(fake: FakeVonage, key: Path, public_url: str, **overrides: Any) -> Settings:
    return load_settings(
        _env_file=None, voice_provider="vonage", voice_caller_id=CALLER_ID, public_url=public_url,
        vonage_base_url=fake.url, vonage_application_id=fake.application_id, vonage_private_key_path=key,
        vonage_signature_secret=fake.signature_secret, **overrides,
    )


async def placed(fake: FakeVonage, key: Path, start: Callable[..., Any]) -> tuple[Service, FakeCall, str]:
    service = await start(lambda public_url: settings(fake, key, public_url))
    async with aiohttp.ClientSession() as session:
        call_id = await voice_provider(settings(fake, key, service.url), session, service.desk).place(CALL)
    (call,) = fake.calls
    assert call.uuid == call_id
    return service, call, call_id


async def test_placing_a_call_sends_the_documented_request(vonage: FakeVonage, key_file: Path, start: Callable[..., Any]) -> None:
    service, call, _ = await placed(vonage, key_file, start)
    assert (call.to, call.caller_id) == ("4520304050", "4578787878"), "Vonage takes digits without '+'"
    assert (call.answer_url, call.answer_method) == (f"{service.url}/api/voice/vonage/answer?{REF}", "POST")
    assert (call.event_url, call.event_method) == (f"{service.url}/api/voice/vonage/event?{REF}", "POST")
    assert call.machine_detection == "hangup"
    (token,) = vonage.tokens
    assert token["application_id"] == vonage.application_id and token["exp"] > token["iat"] and token["jti"]
    assert not service.desk.called()


async def test_a_picked_up_call_says_the_prompt_in_danish_and_waits_for_one_digit(
    vonage: FakeVonage, key_file: Path, start: Callable[..., Any]
) -> None:
    service, call, call_id = await placed(vonage, key_file, start)
    assert (await vonage.answer(call)).status == 200

    (answer,) = service.desk.answers
    assert (answer.provider, answer.call_id, answer.ref, answer.machine) == ("vonage", call_id, CALL.ref, False)
    assert call.words() == [INTRO, ASK]
    assert [(t.language, t.barge_in) for t in call.heard] == [("da-DK", False), ("da-DK", True)]
    assert call.waiting is not None and not call.ended
    assert (call.waiting.types, call.waiting.max_digits, call.waiting.time_out) == (["dtmf"], 1, 8)
    assert call.waiting.event_url == f"{service.url}/api/voice/vonage/keys?{REF}&round=1"


@pytest.mark.parametrize(("keys", "digits"), [("20#", "20"), ("#", "#"), ("125", "125"), ("45", "45"), ("", "")])
async def test_a_number_is_sent_on_the_hash_and_reaches_the_desk(
    vonage: FakeVonage, key_file: Path, start: Callable[..., Any], keys: str, digits: str
) -> None:
    """Vonage leaves the '#' out of ``dtmf.digits``; a number's input that ended without digits and in time ended on it."""
    service, call, call_id = await placed(vonage, key_file, start)
    await vonage.answer(call)
    await vonage.press(call, "3")
    assert call.words()[-1] == MINUTES and call.waiting is not None
    assert (call.waiting.max_digits, call.waiting.submit_on_hash, call.waiting.time_out) == (3, True, 8)
    assert call.waiting.event_url == f"{service.url}/api/voice/vonage/keys?{REF}&round=1&ask=number"

    await vonage.press(call, keys)
    assert service.desk.presses[-1] == KeyPress(
        provider="vonage", call_id=call_id, ref=CALL.ref, digits=digits, round=1, ask=Ask.NUMBER
    )
    assert call.words()[-1] == f"Tak. Du tastede {digits}." and call.ended


async def test_keys_reach_the_desk_with_their_round(vonage: FakeVonage, key_file: Path, start: Callable[..., Any]) -> None:
    service, call, call_id = await placed(vonage, key_file, start)
    await vonage.answer(call)
    await vonage.no_key(call)
    await vonage.press(call, "2")
    assert service.desk.presses == [
        KeyPress(provider="vonage", call_id=call_id, ref=CALL.ref, digits="", round=1),
        KeyPress(provider="vonage", call_id=call_id, ref=CALL.ref, digits="2", round=2),
    ]
    assert call.words()[-1] == "Tak. Vi finder en anden." and call.ended


@pytest.mark.parametrize(
    ("reported", "status"),
    [("started", CallStatus.RINGING), ("ringing", CallStatus.RINGING), ("answered", CallStatus.ANSWERED),
     ("human", CallStatus.ANSWERED), ("machine", CallStatus.VOICEMAIL), ("completed", CallStatus.COMPLETED),
     ("busy", CallStatus.BUSY), ("timeout", CallStatus.NO_ANSWER), ("unanswered", CallStatus.NO_ANSWER),
     ("rejected", CallStatus.NO_ANSWER), ("failed", CallStatus.FAILED), ("cancelled", CallStatus.FAILED)],
)
async def test_events_map_to_call_statuses(
    vonage: FakeVonage, key_file: Path, start: Callable[..., Any], reported: str, status: CallStatus
) -> None:
    service, call, call_id = await placed(vonage, key_file, start)
    assert (await vonage.event(call, reported)).status == 200
    (update,) = service.desk.updates
    assert (update.provider, update.call_id, update.ref, update.status) == ("vonage", call_id, CALL.ref, status)
    assert update.event_id == f"{call_id}:{reported}:2026-11-28T09:30:00.000Z" and reported in update.detail


async def test_events_the_desk_has_no_use_for_are_taken_and_dropped(
    vonage: FakeVonage, key_file: Path, start: Callable[..., Any]
) -> None:
    service, call, _ = await placed(vonage, key_file, start)
    assert (await vonage.event(call, "transfer")).status == 200
    assert not service.desk.called()


@pytest.mark.parametrize(
    ("options", "reason"),
    [({"signed": False}, "Authorization mangler"), ({"secret": "guessed-secret-of-at-least-32-bytes"}, "ugyldig"),
     ({"age": 600}, "mere end 5 minutter"), ({"token": "not.a.jwt"}, "ugyldig")],
    ids=["unsigned", "forged", "stale", "garbage"],
)
@pytest.mark.parametrize("hook", ["answer", "keys", "event"])
async def test_unsigned_forged_and_stale_webhooks_get_401_and_never_reach_the_desk(
    vonage: FakeVonage, key_file: Path, start: Callable[..., Any], hook: str, options: dict[str, Any], reason: str
) -> None:
    service, call, _ = await placed(vonage, key_file, start)
    if hook == "keys":
        await vonage.answer(call)
        service.desk.answers.clear()
        answer = await vonage.press(call, "1", **options)
    elif hook == "answer":
        answer = await vonage.answer(call, **options)
    else:
        answer = await vonage.event(call, "completed", **options)
    assert answer.status == 401 and reason in answer.reason
    assert not service.desk.called()
    assert service.rejections(f"/api/voice/vonage/{hook}", 401) == 1


async def test_a_replayed_webhook_is_refused(vonage: FakeVonage, key_file: Path, start: Callable[..., Any]) -> None:
    service, call, _ = await placed(vonage, key_file, start)
    await vonage.answer(call)
    await vonage.press(call, "1")
    replay = await vonage.repost(vonage.posted[-1])
    assert replay.status == 401 and "brugt før" in replay.reason
    assert len(service.desk.presses) == 1


async def test_a_body_changed_under_its_token_is_refused(vonage: FakeVonage, key_file: Path, start: Callable[..., Any]) -> None:
    service, call, _ = await placed(vonage, key_file, start)
    honest = b'{"uuid":"%s","status":"busy"}' % call.uuid.encode()
    tampered = b'{"uuid":"%s","status":"completed"}' % call.uuid.encode()
    answer = await post_webhook(
        call.event_url, headers={"Authorization": f"Bearer {vonage.token(honest)}"}, data=tampered,
        content_type="application/json",
    )
    assert answer.status == 401 and "payload_hash" in answer.reason and not service.desk.called()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def provider(fake: FakeVonage, session: aiohttp.ClientSession) -> VonageVoice:
    return VonageVoice(
        session, base_url=fake.url, application_id=fake.application_id, private_key=fake.private_key_pem,
        public_url="https://krise.example.dk",
    )


async def test_throttling_is_transient(vonage: FakeVonage, session: aiohttp.ClientSession) -> None:
    vonage.fail_next(429, retry_after=3)
    with pytest.raises(TransientError) as caught:
        await provider(vonage, session).place(CALL)
    assert caught.value.retry_after == 3 and vonage.calls == []


async def test_a_refused_number_is_permanent(vonage: FakeVonage, session: aiohttp.ClientSession) -> None:
    vonage.refuse_number("4520304050")
    with pytest.raises(PermanentError, match=r"\+4520304050"):
        await provider(vonage, session).place(CALL)


async def test_another_applications_key_is_transient(vonage: FakeVonage, session: aiohttp.ClientSession) -> None:
    async with FakeVonage() as other:
        wrong = VonageVoice(
            session, base_url=vonage.url, application_id=vonage.application_id, private_key=other.private_key_pem,
            public_url="https://krise.example.dk",
        )
        with pytest.raises(TransientError, match="adgangsnøgle"):
            await wrong.place(CALL)
