"""What a call says, as TwiML and as NCCO: every sentence in the configured language, one key or a number ended by '#'
gathered, or a hang-up, and text that would break the markup ('<', '&') said as written."""

import json
import xml.etree.ElementTree as ET

from bot.channels.voice.base import Ask, Prompt
from bot.channels.voice.twilio import TwimlRender, twiml
from bot.channels.voice.vonage import NccoRender, ncco

TRICKY = 'Krise <K-2026-001> & "øvelse" i Struer'
KEYS = "https://krise.example.dk/api/voice/twilio/keys?ref=K%2F1&round=2"


def test_twiml_gathers_one_digit_around_the_sentences() -> None:
    text = twiml(Prompt(say=(TRICKY, "Tryk 1."), gather=True, round=2), KEYS, language="da-DK", voice="Polly.Naja")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    assert "&lt;K-2026-001&gt; &amp;" in text and "&amp;round=2" in text
    root = ET.fromstring(text)
    (gather,) = root
    assert gather.tag == "Gather" and gather.attrib == {
        "input": "dtmf", "numDigits": "1", "timeout": "8", "actionOnEmptyResult": "true", "action": KEYS, "method": "POST",
    }
    assert [(say.tag, say.text, say.attrib) for say in gather] == [
        ("Say", TRICKY, {"language": "da-DK", "voice": "Polly.Naja"}),
        ("Say", "Tryk 1.", {"language": "da-DK", "voice": "Polly.Naja"}),
    ]


def test_twiml_without_a_key_hangs_up_after_the_last_word() -> None:
    root = ET.fromstring(twiml(Prompt(say=("Tak.",)), KEYS, language="da-DK", voice=""))
    assert [(verb.tag, verb.text, verb.attrib) for verb in root] == [("Say", "Tak.", {"language": "da-DK"}), ("Hangup", None, {})]


def test_the_twiml_answer_points_its_keys_at_the_calls_round() -> None:
    response = TwimlRender("https://krise.example.dk/", language="da-DK", voice="Polly.Sofie")(
        Prompt(say=("Tryk 1.",), gather=True, round=3), "K-2026-001/summons/cvo/voice"
    )
    assert response.content_type == "text/xml"
    (gather,) = ET.fromstring(response.text or "")
    assert gather.attrib["action"] == (
        "https://krise.example.dk/api/voice/twilio/keys?ref=K-2026-001%2Fsummons%2Fcvo%2Fvoice&round=3"
    )


def test_ncco_talks_then_waits_for_one_digit() -> None:
    actions = ncco(Prompt(say=(TRICKY, "Tryk 1."), gather=True, round=2), KEYS, language="da-DK")
    assert actions == [
        {"action": "talk", "text": TRICKY, "language": "da-DK"},
        {"action": "talk", "text": "Tryk 1.", "language": "da-DK", "bargeIn": True},
        {"action": "input", "type": ["dtmf"], "dtmf": {"maxDigits": 1, "timeOut": 8}, "eventUrl": [KEYS], "eventMethod": "POST"},
    ]


def test_ncco_without_a_key_ends_after_the_last_word() -> None:
    assert ncco(Prompt(say=("Tak.",)), KEYS, language="da-DK") == [{"action": "talk", "text": "Tak.", "language": "da-DK"}]


def test_the_ncco_answer_is_json_with_the_calls_keys_url() -> None:
    response = NccoRender("https://krise.example.dk", language="da-DK")(Prompt(say=("x",), gather=True), "r/1")
    assert response.content_type == "application/json"
    assert json.loads(response.text or "")[-1]["eventUrl"] == ["https://krise.example.dk/api/voice/vonage/keys?ref=r%2F1&round=1"]


MINUTES = Prompt(say=("Tast tallet, og afslut med firkant.",), gather=True, ask=Ask.NUMBER, digits=3)


def test_twiml_gathers_a_number_of_at_most_its_digits_ended_by_the_hash_key() -> None:
    """Twilio's <Gather>: ``numDigits`` ends it at the last digit the number may have, ``finishOnKey`` sooner."""
    (gather,) = ET.fromstring(twiml(MINUTES, KEYS, language="da-DK", voice="Polly.Naja"))
    assert gather.tag == "Gather" and gather.attrib == {
        "input": "dtmf", "numDigits": "3", "finishOnKey": "#", "timeout": "8", "actionOnEmptyResult": "true",
        "action": KEYS, "method": "POST",
    }
    assert [say.text for say in gather] == ["Tast tallet, og afslut med firkant."]


def test_ncco_waits_for_a_number_sent_on_the_hash_key() -> None:
    """Vonage's input: ``maxDigits`` (1-20) ends it at the last digit, ``submitOnHash`` at '#', ``timeOut`` (0-10 s)
    after the last key."""
    assert ncco(MINUTES, KEYS, language="da-DK")[-1] == {
        "action": "input", "type": ["dtmf"], "dtmf": {"maxDigits": 3, "submitOnHash": True, "timeOut": 8},
        "eventUrl": [KEYS], "eventMethod": "POST",
    }


def test_a_number_prompts_keys_url_says_it_awaits_a_number() -> None:
    twilio = TwimlRender("https://krise.example.dk", language="da-DK", voice="")(MINUTES, "r/1")
    (gather,) = ET.fromstring(twilio.text or "")
    assert gather.attrib["action"] == "https://krise.example.dk/api/voice/twilio/keys?ref=r%2F1&round=1&ask=number"
    vonage = NccoRender("https://krise.example.dk", language="da-DK")(MINUTES, "r/1")
    assert json.loads(vonage.text or "")[-1]["eventUrl"] == [
        "https://krise.example.dk/api/voice/vonage/keys?ref=r%2F1&round=1&ask=number"
    ]
