"""The words of ``kontakt``, ``ekstern`` and ``ankommet`` on the bundled plan."""

import pytest

from bot.core.actions import RecordArrival, RecordContact, RecordExternal
from bot.core.contact_commands import ANSWER_CHOICES, BadInput, Problem, parse_arrival, parse_contact, parse_external
from bot.core.events import ContactAnswer, ContactMethod, ExternalStatus
from bot.plan import load_plan
from bot.resources import default_plan_path

PLAN = load_plan(default_plan_path())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hjm telefon kvitteret", RecordContact("hjm", ContactMethod.TELEFON, ContactAnswer.KVITTERET)),
        ("Henrik personligt kommer", RecordContact("hjm", ContactMethod.PERSONLIGT, ContactAnswer.KOMMER)),
        ("henrik jebjerg MOGENSEN mail kommer 20 min", RecordContact("hjm", ContactMethod.MAIL, ContactAnswer.KOMMER, "20 min")),
        ("Maria-Louise SMS kommer ankomst 14:30", RecordContact("marialouiserj", ContactMethod.SMS, ContactAnswer.KOMMER, "14:30")),
        ("lak telefon Kommer Ikke", RecordContact("lak", ContactMethod.TELEFON, ContactAnswer.KOMMER_IKKE)),
        ("Jesper Thyrring Moeller telefon kvitteret", RecordContact("jesper", ContactMethod.TELEFON, ContactAnswer.KVITTERET)),
    ],
)
def test_a_person_by_id_first_name_or_full_name(text: str, expected: RecordContact) -> None:
    assert parse_contact(PLAN, text) == expected


def test_what_names_nothing_comes_back_with_the_choices() -> None:
    unknown = parse_contact(PLAN, "Hanne telefon kvitteret")
    assert isinstance(unknown, BadInput) and (unknown.problem, unknown.given) == (Problem.PERSON, "Hanne")
    assert unknown.choices[:2] == ("jesper (Jesper Thyrring Møller)", "emilbc (Emil B. Christensen)")
    assert parse_contact(PLAN, "hjm brevdue kvitteret") == BadInput(Problem.HOW, "brevdue", tuple(ContactMethod))
    assert parse_contact(PLAN, "hjm telefon") == BadInput(Problem.ANSWER, "", ANSWER_CHOICES)
    assert parse_contact(PLAN, "hjm telefon kvitteret tak") == BadInput(Problem.ANSWER, "kvitteret tak", ANSWER_CHOICES)
    assert isinstance(parse_contact(PLAN, ""), BadInput)


def test_external_participants_by_id_or_name_with_a_note() -> None:
    assert parse_external(PLAN, "politi tilkaldt") == RecordExternal("politi", ExternalStatus.TILKALDT)
    assert parse_external(PLAN, "indsatsleder fra beredskabet Kontaktet ringer tilbage") == RecordExternal(
        "beredskab", ExternalStatus.KONTAKTET, "ringer tilbage"
    )
    assert parse_external(PLAN, "brandvæsen tilkaldt") == BadInput(
        Problem.EXTERNAL, "brandvæsen", ("politi", "beredskab", "forsyning", "myndigheder")
    )
    assert parse_external(PLAN, "politi ringet") == BadInput(Problem.STATUS, "ringet", (*ExternalStatus, "indkald"))


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("", "hjm"),
        ("  ", "hjm"),
        ("lak", "lak"),
        ("Claus", "cvo"),
        ("jesper thyrring moller", "jesper"),
        ("JESPER THYRRING MØLLER", "jesper"),
        ("maria louise", "marialouiserj"),
        ("politi", "politi"),
        ("Indsatsleder fra beredskabet", "beredskab"),
    ],
)
def test_an_arrival_names_a_person_or_an_external_participant_however_spelt_or_the_writer(text: str, person: str) -> None:
    assert parse_arrival(PLAN, text, "hjm") == RecordArrival(person)


def test_an_arrival_that_names_nobody_offers_people_and_external_participants() -> None:
    unknown = parse_arrival(PLAN, " Hanne ", "hjm")

    assert isinstance(unknown, BadInput) and (unknown.problem, unknown.given) == (Problem.PERSON, "Hanne")
    assert unknown.choices[0] == "jesper (Jesper Thyrring Møller)"
    assert unknown.choices[-4:] == (
        "politi (Indsatsleder fra politiet)", "beredskab (Indsatsleder fra beredskabet)",
        "forsyning (Ekstern kriseleder fra Forsyning)", "myndigheder (Andre myndigheder)",
    )
