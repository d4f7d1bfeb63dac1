"""Danish that reads as Danish: no calques of the English *page* in anything a Danish user reads.

Danish emergency services say «alarmering», «alarmeret», «kaldt» and «indkaldt»; «side til»,
«sidet», «sidninger», «paging» and «paget» are English words in Danish spelling. «I hånden» is
English *by hand* («manuelt»), «Kriseleders beslutning» wants its article («Kriselederens»), and
Danish puts no comma before the «og» of a list. Role and level names are written lower-case inside
a sentence, and channels by their Danish names («Teams», «sms», «opkald»).
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.events import Escalated, Event, PagePurpose, PageSent
from bot.render.export import event_sentence, logbog_html, logbog_markdown
from bot.render.names import inside_sentence
from bot.render.texts import TEXTS
from tests.unit.test_export import PLAN, WINTER, crisis

CALQUES = re.compile(
    r"\b(sidet|side til|sidning(er)?|sider sendes|pag(e|et|ede|ing|es)|i hånden|kriseleders)\b|, og hvem", re.IGNORECASE
)
CARDS = sorted((Path(__file__).resolve().parents[2] / "cards").glob("*.json"))


@pytest.mark.parametrize("key", sorted(TEXTS["da"]))
def test_no_danish_sentence_borrows_page(key: str) -> None:
    assert not CALQUES.search(TEXTS["da"][key]), TEXTS["da"][key]


def texts_in(node: Any) -> Iterator[str]:
    """Every string value in a card template or its sample data (keys and ``${…}`` bindings are code)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from texts_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts_in(value)
    elif isinstance(node, str) and not node.startswith("${"):
        yield node


@pytest.mark.parametrize("card", CARDS, ids=lambda path: path.name)
def test_no_card_text_borrows_page(card: Path) -> None:
    texts = list(texts_in(json.loads(card.read_text(encoding="utf-8"))))

    assert texts
    assert [text for text in texts if CALQUES.search(text)] == []


def test_the_exported_logbog_says_alarmeret_not_sidet() -> None:
    events = crisis(WINTER)

    page = re.sub(r"<style>.*?</style>", "", logbog_html(PLAN, events), flags=re.DOTALL)  # CSS has its @page
    for exported in (logbog_markdown(PLAN, events), page):
        assert not CALQUES.search(exported), CALQUES.search(exported)
        assert "Alarmeret Claus Vagn Ohrt" in exported
        assert "Alarmeringer" in exported


@pytest.mark.parametrize(
    ("name", "inside"),
    [("Kommuneniveau", "kommuneniveau"), ("Ansvarlig for IT og Digitalisering", "ansvarlig for IT og Digitalisering"),
     ("Kriseleder", "kriseleder"), ("IT-udstyr", "IT-udstyr"), ("O365", "O365"), ("DPO", "DPO"), ("", "")],
)
def test_a_name_inside_a_sentence_is_lower_case_unless_it_is_an_abbreviation(name: str, inside: str) -> None:
    assert inside_sentence(name) == inside


def test_an_escalation_names_the_deputy_as_deputy_and_the_primary_as_called_again() -> None:
    payload = Escalated(role="it", purpose=PagePurpose.TRIAGE, stage=1, people=["cvo", "peter"])
    sentence = event_sentence(PLAN, Event(seq=3, at=WINTER, crisis_id="K-2025-001", actor="system", payload=payload))

    assert sentence == (
        "Ingen har kvitteret for ansvarlig for IT og Digitalisering – vurdering af alarm: "
        "eskaleret til første stedfortræder: Peter Knudsen; Claus Vagn Ohrt kaldes igen"
    )


def test_channels_have_their_danish_names_in_the_logbog() -> None:
    sent = [PageSent(person="cvo", roles=["it"], purpose=PagePurpose.TRIAGE, channel=c) for c in ("teams", "voice", "sms")]
    sentences = [event_sentence(PLAN, Event(seq=n, at=WINTER, crisis_id="K", actor="system", payload=p)) for n, p in enumerate(sent, 1)]

    assert [s.split(" via ")[1].split(" ")[0] for s in sentences] == ["Teams", "opkald", "sms"]
