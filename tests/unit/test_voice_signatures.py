"""The webhook checks on their own: Twilio's signature over URL and form, Vonage's JWT (secret, payload_hash,
freshness, jti), and what each parser makes of a well-signed request."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import jwt
import pytest

from bot.channels.twilio import signature
from bot.channels.voice.base import CallAnswer, KeyPress
from bot.channels.voice.twilio import TwilioVoiceWebhooks
from bot.channels.voice.vonage import VonageSignature
from bot.channels.webhooks import WebhookRejected

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
TOKEN = "tw-auth-token"
SECRET = "vonage-signature-secret-of-32-bytes"
ANSWER = "https://krise.example.dk/api/voice/twilio/answer?ref=K-2026-001%2Fsummons%2Fcvo%2Fvoice"
hooks = TwilioVoiceWebhooks(auth_token=TOKEN, clock=lambda: NOW)


def signed(url: str, params: dict[str, str]) -> tuple[dict[str, str], bytes]:
    return {"X-Twilio-Signature": signature(TOKEN, url, sorted(params.items()))}, urlencode(params).encode()


@pytest.mark.parametrize(("answered_by", "machine"), [("human", False), ("unknown", False), ("machine_start", True),
                                                      ("machine_end_silence", True), ("fax", True)])
def test_twilio_answered_by(answered_by: str, machine: bool) -> None:
    assert hooks.answer(ANSWER, *signed(ANSWER, {"CallSid": "CA1", "AnsweredBy": answered_by})) == CallAnswer(
        provider="twilio", call_id="CA1", ref="K-2026-001/summons/cvo/voice", machine=machine
    )


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [(ANSWER, {"AnsweredBy": "human"}, 400), (ANSWER.split("?")[0], {"CallSid": "CA1"}, 400)],
    ids=["no-call-sid", "no-ref"],
)
def test_twilio_answer_without_what_names_the_call_is_400(url: str, params: dict[str, str], status: int) -> None:
    with pytest.raises(WebhookRejected) as caught:
        hooks.answer(url, *signed(url, params))
    assert caught.value.status == status


@pytest.mark.parametrize(("query", "digits"), [("&round=x", "1"), ("", "1"), ("&round=1", "1; DROP")])
def test_twilio_keys_need_a_round_and_keypad_digits(query: str, digits: str) -> None:
    url = ANSWER.replace("/answer?", "/keys?") + query
    with pytest.raises(WebhookRejected) as caught:
        hooks.keys(url, *signed(url, {"CallSid": "CA1", "Digits": digits}))
    assert caught.value.status == 400


def test_twilio_keys() -> None:
    url = ANSWER.replace("/answer?", "/keys?") + "&round=2"
    assert hooks.keys(url, *signed(url, {"CallSid": "CA1", "Digits": "#"})) == KeyPress(
        provider="twilio", call_id="CA1", ref="K-2026-001/summons/cvo/voice", digits="#", round=2
    )


def test_a_twilio_status_it_does_not_know_is_dropped() -> None:
    url = ANSWER.replace("/answer?", "/status?")
    assert hooks.status(url, *signed(url, {"CallSid": "CA1", "CallStatus": "something-new"})) is None


def vonage_token(body: bytes, *, at: datetime = NOW, jti: str = "j-1", secret: str = SECRET, **claims: object) -> dict[str, str]:
    payload = {"iat": int(at.timestamp()), "jti": jti, "iss": "Vonage", "payload_hash": hashlib.sha256(body).hexdigest(), **claims}
    return {"Authorization": f"Bearer {jwt.encode(payload, secret, algorithm='HS256')}"}


BODY = json.dumps({"uuid": "u-1", "status": "completed"}).encode()


def test_a_fresh_vonage_token_passes_once() -> None:
    check = VonageSignature(secret=SECRET, clock=lambda: NOW)
    assert check(vonage_token(BODY), BODY)["jti"] == "j-1"
    with pytest.raises(WebhookRejected, match="brugt før"):
        check(vonage_token(BODY), BODY)
    assert check(vonage_token(BODY, jti="j-2"), BODY)["jti"] == "j-2"


def test_a_replay_after_the_window_is_refused_as_stale() -> None:
    now = [NOW]
    check = VonageSignature(secret=SECRET, clock=lambda: now[0])
    check(vonage_token(BODY), BODY)
    now[0] = NOW + timedelta(minutes=6)
    with pytest.raises(WebhookRejected, match="5 minutter"):
        check(vonage_token(BODY), BODY)
    assert check(vonage_token(BODY, at=now[0], jti="j-3"), BODY)["jti"] == "j-3"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "mangler"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "mangler"),
        ({"Authorization": "Bearer æøå"}, "ugyldig"),
        (vonage_token(BODY, secret="another-secret-of-at-least-32-bytes"), "ugyldig"),
        (vonage_token(b"{}"), "payload_hash"),
        (vonage_token(BODY, at=NOW - timedelta(minutes=6)), "5 minutter"),
        (vonage_token(BODY, at=NOW + timedelta(minutes=6)), "5 minutter"),
        ({"Authorization": "Bearer " + jwt.encode({"iat": int(NOW.timestamp()), "jti": "x"}, SECRET, algorithm="HS256")}, "ugyldig"),
        ({"Authorization": "Bearer " + jwt.encode({"iat": "soon", "jti": "x", "payload_hash": "0"}, SECRET, algorithm="HS256")}, "ugyldig"),
    ],
    ids=["none", "basic", "not-ascii", "wrong-secret", "other-body", "stale", "from-the-future", "no-payload-hash", "iat-not-a-time"],
)
def test_bad_vonage_tokens_are_401(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(WebhookRejected, match=reason) as caught:
        VonageSignature(secret=SECRET, clock=lambda: NOW)(headers, BODY)
    assert caught.value.status == 401
