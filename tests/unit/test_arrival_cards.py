"""Arrivals on the situation card: who has arrived, in «Kommer» and «Eksterne», at the top a phone shows, and the
form that records an arrival."""

from typing import Any

import pytest

from bot.core.events import ArrivalRecorded, Event, ExternalAnswered, ExternalContacted, ExternalStatus, SummonsAnswered
from bot.render.contact_cards import contact_actions
from bot.render.crisis_cards import situation_card
from bot.render.export import event_sentence
from bot.teams.verbs import Verb
from tests.markdown import walk
from tests.schemas import assert_valid_card
from tests.unit.test_crisis_cards import ALARM, LANGS, MIXED, PLAN, T0, crisis, text, top_of
from tests.unit.test_external_cards import PLAN as SUMMONING
from tests.unit.test_external_cards import SUMMONED
from tests.unit.test_external_cards import crisis as summoning_crisis
from tests.unit.test_external_cards import externals_group

ARRIVED = [*MIXED, ("cvo", ArrivalRecorded(person="jesper"))]  # 14:13; Jesper said «20 min» at 14:09
"""Jesper and Claus said they come, Henrik does not, Lisbeth has not answered; Jesper has arrived."""


def arrival_form(card: dict[str, Any]) -> dict[str, Any]:
    [form] = [action["card"] for action in card["actions"] if action.get("title") == "Registrér ankomst"]
    return form


def choices(form: dict[str, Any]) -> list[str]:
    [person] = [node for node in walk(form) if node.get("id") == "person"]
    return [choice["value"] for choice in person["choices"]]


def test_one_who_arrived_shows_when_instead_of_their_stated_arrival_at_the_top_of_a_phone() -> None:
    top = text({"body": top_of(situation_card(PLAN, crisis(*ARRIVED), "da"))})

    assert "Kommer (2)\n**Jesper Thyrring Møller** – ankommet kl. 14:13\n**Claus Vagn Ohrt** – ankomst efter mødet på skolen (svar kl. 14:10)" in top
    assert "14:29" not in top, "the stated arrival gives way"
    assert "Kommer ikke (1)\n**Henrik Jebjerg Mogensen** – svar kl. 14:12" in top
    assert "Har ikke svaret (1)\n**Lisbeth Kusk**" in top


def test_one_not_summoned_who_arrived_is_coming_and_covers_their_role() -> None:
    words = text(situation_card(PLAN, crisis(*ARRIVED, ("jesper", ArrivalRecorded(person="emilbc"))), "da"))

    assert "Kommer (3)" in words and "**Claus Vagn Ohrt** – ankomst efter mødet på skolen (svar kl. 14:10)\n**Emil B. Christensen** – ankommet kl. 14:14" in words
    assert "⚠ Ingen kommer for: Ansvarlig for kommunikation" in words


def test_english_says_arrived_at() -> None:
    assert "**Jesper Thyrring Møller** – arrived at 14:13" in text(situation_card(PLAN, crisis(*ARRIVED), "en"))


def test_the_form_offers_the_summoned_then_the_external_participants_called_in_not_yet_arrived() -> None:
    called_in = [("cvo", ExternalContacted(external=e, status=ExternalStatus.TILKALDT)) for e in ("politi", "forsyning")]
    card = situation_card(PLAN, crisis(*ARRIVED, *called_in, ("cvo", ArrivalRecorded(person="politi"))), "da")
    form = arrival_form(card)

    assert choices(form) == ["cvo", "hjm", "lak", "forsyning"]
    [person] = [node for node in walk(form) if node.get("id") == "person"]
    assert person["isRequired"] and "value" not in person, "nobody is chosen by mistake"
    [save] = [node for node in walk(form) if node.get("type") == "Action.Execute"]
    assert (save["verb"], save["data"]) == (Verb.RECORD_ARRIVAL, {"crisis": "K-2026-003"})
    assert person["label"] == "Hvem er ankommet til mødestedet?"


def test_the_form_waits_for_the_activation() -> None:
    assert not [a for a in contact_actions(PLAN, crisis(*ALARM), "da") if a["title"] == "Registrér ankomst"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_card_with_arrivals_is_valid(lang: str) -> None:
    assert_valid_card(situation_card(PLAN, crisis(*ARRIVED, ("cvo", ArrivalRecorded(person="politi"))), lang))


def test_an_external_participant_shows_its_record_then_its_arrival() -> None:
    state = crisis(
        *MIXED,
        ("cvo", ExternalContacted(external="politi", status=ExternalStatus.TILKALDT, note="vagthavende")),  # 14:13
        ("cvo", ArrivalRecorded(person="politi")),
        ("cvo", ArrivalRecorded(person="beredskab")),
    )

    assert externals_group(situation_card(PLAN, state, "da")) == [
        "Eksterne (2)",
        "Indsatsleder fra politiet – tilkaldt kl. 14:13 · ankommet kl. 14:14 – vagthavende",
        "Indsatsleder fra beredskabet – ankommet kl. 14:15",
    ]


def test_a_summoned_external_participant_that_arrived_shows_the_arrival_instead_of_its_answer() -> None:
    state = summoning_crisis(
        *SUMMONED,
        ("vagtchef", ExternalAnswered(external="vagtchef", coming=True, eta="20", via="sms")),  # 14:07
        ("cvo", ArrivalRecorded(person="vagtchef")),
    )

    assert externals_group(situation_card(SUMMONING, state, "da")) == [
        "Eksterne (1)", "Vagtchef hos politiet – indkaldt kl. 14:03 · ankommet kl. 14:08 – Mød i byrådssalen",
    ]


def test_a_late_answer_after_an_arrival_is_shown_as_given() -> None:
    state = crisis(*ARRIVED, ("jesper", SummonsAnswered(person="jesper", coming=False)))

    assert "Kommer ikke (2)" in text(situation_card(PLAN, state, "da"))


def test_the_logbog_names_an_external_participant_that_arrived() -> None:
    event = Event(seq=1, at=T0, crisis_id="K-2026-003", actor="cvo", payload=ArrivalRecorded(person="politi"))

    assert event_sentence(PLAN, event) == "Indsatsleder fra politiet er ankommet til mødestedet"
