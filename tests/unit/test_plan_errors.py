"""``load_plan``: a broken plan file is a PlanError naming the file, the field path and the problem in Danish."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import PlanError
from bot.plan import load_plan
from bot.plan.durations import format_duration, parse_duration
from tests.plans import MINIMAL_PLAN, READY_PLAN, write_plan


def _mutate(old: str, new: str) -> str:
    assert MINIMAL_PLAN.count(old) == 1, f"mutation target {old!r} must occur exactly once"
    return MINIMAL_PLAN.replace(old, new)


def test_minimal_plan_loads_and_roles_fall_back_to_escalation(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, MINIMAL_PLAN))
    leder, it = plan.role_by_id["leder"], plan.role_by_id["it"]
    assert (plan.ack_timeout(leder), plan.repeat(leder)) == (timedelta(minutes=2), 2)
    assert (plan.ack_timeout(it), plan.repeat(it)) == (timedelta(seconds=90), 0)
    assert plan.person_by_id["anna"].email == "anna@example.dk"
    assert plan.person_by_id["anna"].mobile.number == "+4520123456"
    assert plan.person_by_id["bo"].mobile is None


def test_escalation_defaults_to_five_minutes_and_one_repeat(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, _mutate('[escalation]\nack_timeout = "2m"\nrepeat = 2\n', "")))
    leder = plan.role_by_id["leder"]
    assert (plan.ack_timeout(leder), plan.repeat(leder)) == (timedelta(minutes=5), 1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("1h30m", 5400), ("1h", 3600), (" 2m ", 120)],
)
def test_durations_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["5 minutes", "", "0s", "5", "m", "1h 30m", "-5m", "5d"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="varighed"):
        parse_duration(text)


def test_durations_format_as_written(tmp_path: Path) -> None:
    assert format_duration(timedelta(seconds=90)) == "1m30s"
    assert format_duration(timedelta(hours=1, minutes=30)) == "1h30m"
    plan = load_plan(write_plan(tmp_path, _mutate('ack_timeout = "90s"', 'ack_timeout = "1h30m"')))
    assert plan.ack_timeout(plan.role_by_id["it"]) == timedelta(hours=1, minutes=30)


SECOND_PRIMARY_PLACE = '[[meeting_places]]\nid = "kaelder"\nkind = "primary"\nname = "Kælder"\naddress = "Rådhuset"\n'

# id: (text in MINIMAL_PLAN, its replacement, expected field path, expected part of the message)
BROKEN = {
    "unknown-primary": ('primary = "anna"', 'primary = "carl"', "roles[leder].primary", "ukendt person 'carl'"),
    "unknown-deputy": ('deputies = ["bo"]', 'deputies = ["bo", "carl"]', "roles[leder].deputies[2]", "ukendt person 'carl'"),
    "primary-as-deputy": ('deputies = ["bo"]', 'deputies = ["anna"]', "roles[leder].deputies", "flere gange i kæden"),
    "duplicate-person": ('id = "bo"', 'id = "anna"', "people[2].id", "id 'anna' findes flere gange"),
    "duplicate-role": ('id = "it"', 'id = "leder"', "roles[2].id", "id 'leder' findes flere gange"),
    "role-without-primary": ('primary = "anna"\n', "", "roles[leder].primary", "mangler"),
    "not-a-number": ('"20 12 34 56"', '"abc"', "people[anna].phones[1]", "'abc' er ikke et telefonnummer"),
    "too-short": ('"20 12 34 56"', '"20 12 34"', "people[anna].phones[1]", "ikke et gyldigt telefonnummer"),
    "short-that-is-not": (
        '"96 84 00 00", kind = "landline"', '"12345", kind = "short"',
        "people[bo].phones[1]", "'12345' er ikke et gyldigt kortnummer",
    ),
    "bad-duration": (
        'ack_timeout = "90s"', 'ack_timeout = "5 minutes"', "roles[it].ack_timeout", "ugyldig varighed '5 minutes'"
    ),
    "zero-duration": ('ack_timeout = "2m"', 'ack_timeout = "0s"', "escalation.ack_timeout", "længere end 0 sekunder"),
    "repeat-too-high": ("repeat = 0", "repeat = 11", "roles[it].repeat", "10"),
    "unknown-permission-role": (
        'activate = ["leder"]', 'activate = ["chef"]', "permissions.activate", "ukendt rolle 'chef'"
    ),
    "unknown-triage-role": (
        'triage_role = "it"', 'triage_role = "drift"', "alarm_chain.triage_role", "ukendt rolle 'drift'"
    ),
    "unknown-roster-owner": (
        'roster_owner = "bo"', 'roster_owner = "carl"', "contact_procedure.roster_owner", "ukendt person 'carl'"
    ),
    "two-primary-places": (
        "[levels]", SECOND_PRIMARY_PLACE + "\n[levels]", "meeting_places", "præcis ét mødested"
    ),
    "no-primary-place": ('kind = "primary"', 'kind = "alternative"', "meeting_places", "præcis ét mødested"),
    "bad-place-kind": ('kind = "primary"', 'kind = "hoved"', "meeting_places[salen].kind", "primary"),
    "typo-field": ('deputies = ["bo"]', 'deputys = ["bo"]', "roles[leder].deputys", "ukendt felt"),
    "bad-id": ('id = "mail"', 'id = "Mail!"', "deliveries[Mail!].id", "a-z0-9"),
    "toml-syntax": ("repeat = 2", "repeat = ", "", "ugyldig TOML"),
    "deliveries-spelt-alike": (
        "[[alarm_sources]]", '[[deliveries]]\nid = "e-mail"\nname = "MAIL"\n\n[[alarm_sources]]',
        "deliveries[e-mail].name", "staves som 'mail'",
    ),
}


@pytest.mark.parametrize(("old", "new", "field", "message"), list(BROKEN.values()), ids=list(BROKEN))
def test_broken_plan_names_file_field_and_problem(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    path = write_plan(tmp_path, _mutate(old, new))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    error = caught.value
    assert error.path == str(path)
    matching = [(f, m) for f, m in error.problems if (f == field or f.startswith(field + ".")) and message in m]
    assert matching, error.problems
    assert all(m for _, m in error.problems)
    assert str(path) in str(error) and (field or "(fil)") in str(error)


def test_toml_syntax_error_says_where(tmp_path: Path) -> None:
    path = write_plan(tmp_path, _mutate("repeat = 2", "repeat = "))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    [(field, message)] = caught.value.problems
    line = MINIMAL_PLAN[: MINIMAL_PLAN.index("repeat = 2")].count("\n") + 1
    assert field == ""
    assert f"line {line}," in message


def test_every_bad_reference_is_reported_at_once(tmp_path: Path) -> None:
    text = _mutate('primary = "anna"', 'primary = "carl"').replace('close = ["leder"]', 'close = ["chef"]')
    with pytest.raises(PlanError) as caught:
        load_plan(write_plan(tmp_path, text))
    assert [field for field, _ in caught.value.problems] == ["roles[leder].primary", "permissions.close"]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "findes-ikke.toml"
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert caught.value.path == str(path)
    assert caught.value.problems == [("", "filen findes ikke")]


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path)
    [(field, message)] = caught.value.problems
    assert field == "" and message.startswith("filen kan ikke læses")


def test_two_people_with_one_mobile_number_are_refused_naming_both(tmp_path: Path) -> None:
    """An SMS from the number could only be taken for one of them."""
    path = write_plan(tmp_path, _mutate('"96 84 00 00", kind = "landline"', '"+45 20123456", kind = "mobile"'))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert caught.value.problems == [
        ("people[bo].phones[1].number", "mobilnummeret +4520123456 har både 'anna' og 'bo': det skal være én persons")
    ]
    assert str(path) in str(caught.value)


def test_two_people_with_one_email_are_refused_whatever_the_case(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(write_plan(tmp_path, _mutate('email = "bo@example.dk"', 'email = "ANNA@example.dk"')))
    assert caught.value.problems == [
        ("people[bo].email", "e-mailadressen anna@example.dk har både 'anna' og 'bo': det skal være én persons")
    ]


def test_two_people_with_one_entra_object_id_are_refused(tmp_path: Path) -> None:
    """A Teams user could only be taken for one of them."""
    text = READY_PLAN.replace("00000000-0000-0000-0000-00000000000b", "00000000-0000-0000-0000-00000000000A")
    with pytest.raises(PlanError) as caught:
        load_plan(write_plan(tmp_path, text))
    assert caught.value.problems == [(
        "people[bo].entra_object_id",
        "Entra-id'et 00000000-0000-0000-0000-00000000000a har både 'anna' og 'bo': det skal være én persons",
    )]


def test_a_shared_landline_is_allowed(tmp_path: Path) -> None:
    """A switchboard number may be on several people; it takes no SMS, so no reply can be mistaken."""
    plan = load_plan(write_plan(tmp_path, _mutate(
        'phones = [{ number = "20 12 34 56", kind = "mobile" }]',
        'phones = [{ number = "20 12 34 56", kind = "mobile" }, { number = "96 84 00 00", kind = "landline" }]',
    )))
    assert [phone.number for phone in plan.person_by_id["anna"].phones] == ["+4520123456", "+4596840000"]


def test_a_deeply_nested_plan_names_the_file_instead_of_a_traceback(tmp_path: Path) -> None:
    path = write_plan(tmp_path, MINIMAL_PLAN + "\nnoter = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert caught.value.problems == [("", "ugyldig TOML: lister eller tabeller er indlejret for dybt")]
    assert str(path) in str(caught.value)


def _with_external(fields: str) -> str:
    return MINIMAL_PLAN + f'\n[[external_participants]]\nid = "politi"\nname = "Indsatsleder fra politiet"\n{fields}\n'


def test_an_external_participant_with_a_mobile_and_summon_may_be_summoned_by_krisebot(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, _with_external('phones = [{ number = "20 11 22 66", kind = "mobile" }]\nsummon = true')))
    politi = plan.external_by_id["politi"]
    assert politi.summon and politi.mobile is not None and politi.mobile.number == "+4520112266"
    assert plan.recipient("politi") is politi
    assert plan.recipient("anna") is plan.person_by_id["anna"]


def test_an_external_participant_without_summon_stays_one_to_call_by_hand(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, _with_external('phones = [{ number = "20 11 22 66", kind = "mobile" }]')))
    assert not plan.external_by_id["politi"].summon
    assert plan.recipient("politi") is None, "Krisebot sends it nothing"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            'phones = [{ number = "96 10 14 48", kind = "landline" }]\nsummon = true',
            "external_participants[politi]", 'summon = true kræver et mobilnummer (kind = "mobile")',
        ),
        (
            'phones = [{ number = "20 12 34 56", kind = "mobile" }]\nsummon = true',
            "external_participants[politi].phones[1].number", "mobilnummeret +4520123456 har både 'anna' og 'politi'",
        ),
        ('summon = "ja"', "external_participants[politi].summon", "skal være true eller false"),
    ],
    ids=["summon-without-a-mobile", "a-persons-mobile", "not-a-bool"],
)
def test_a_summons_krisebot_could_not_send_or_whose_answer_could_be_mistaken_is_refused(
    tmp_path: Path, fields: str, field: str, message: str
) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(write_plan(tmp_path, _with_external(fields)))
    assert [(f, m) for f, m in caught.value.problems if f == field and message in m], caught.value.problems


def test_an_external_participant_krisebot_summons_may_not_share_an_id_with_a_person(tmp_path: Path) -> None:
    text = _with_external('phones = [{ number = "20 11 22 66", kind = "mobile" }]\nsummon = true').replace('id = "politi"', 'id = "bo"')
    with pytest.raises(PlanError) as caught:
        load_plan(write_plan(tmp_path, text))
    assert caught.value.problems == [
        ("external_participants[bo].id", "id 'bo' har også en person: en deltager, Krisebot indkalder, skal have sit eget id")
    ]
