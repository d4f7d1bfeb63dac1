"""The bundled plan (``plans/struer-intern-service.toml``) carries the whole municipal plan text.

Most checks derive their expectations from the seed text in ``../shared/seed`` beside the
repository and skip when it is absent (fail under CI=true: ``tests/prerequisites.py``); the
checks at the top need only the plan itself.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.plan import PhoneKind, Plan, load_plan
from bot.plan.models import MeetingPlaceKind
from bot.resources import default_plan_path
from tests.prerequisites import shared_file

E164_DK = re.compile(r"^\+45\d{8}$")
NUMBER = re.compile(r"\b\d{2}(?: ?\d{2}){3}\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


@pytest.fixture(scope="module")
def seed() -> str:
    path = shared_file("seed", "intern-service-kritiske-leverancer.txt", what="the plan text the bundled plan was made from")
    return path.read_text(encoding="utf-8")


# ── Checks that need only the bundled plan ───────────────────────────────────────────


def test_roles_are_held_as_documented(plan: Plan) -> None:
    chains = {role.id: role.chain for role in plan.roles}
    assert chains == {
        "kriseleder": ["jesper", "emilbc"],
        "situationsbillede": ["cvo", "peter"],
        "it": ["cvo", "peter"],
        "okonomi": ["hjm", "emilbc"],
        "kommunikation": ["lak", "marialouiserj"],
    }
    assert plan.escalation.ack_timeout == timedelta(minutes=5)
    assert plan.escalation.repeat == 1


def test_every_number_is_e164_and_9684_numbers_are_landlines(plan: Plan) -> None:
    phones = [phone for person in plan.people for phone in person.phones]
    assert len(phones) == 9
    for phone in phones:
        assert E164_DK.match(phone.number), phone
        expected = PhoneKind.LANDLINE if phone.number.startswith("+459684") else PhoneKind.MOBILE
        assert phone.number.startswith(("+459684", "+4529", "+4540")), phone
        assert phone.kind is expected, phone
    for participant in plan.external_participants:
        for phone in participant.phones:
            assert phone.kind is PhoneKind.SHORT or E164_DK.match(phone.number), phone


def test_only_people_with_a_mobile_number_take_sms(plan: Plan) -> None:
    without_sms = {person.id for person in plan.people if person.mobile is None}
    assert without_sms == {"cvo", "peter", "hjm"}
    assert plan.person_by_id["lak"].mobile.number == "+4540408007"
    assert plan.person_by_id["marialouiserj"].mobile.number == "+4529672617"


def test_external_participants_and_their_numbers(plan: Plan) -> None:
    numbers = {p.id: [(phone.number, phone.kind) for phone in p.phones] for p in plan.external_participants}
    assert numbers == {
        "politi": [("+4596101448", PhoneKind.LANDLINE), ("114", PhoneKind.SHORT)],
        "beredskab": [("+4572852020", PhoneKind.LANDLINE)],
        "forsyning": [],
        "myndigheder": [],
    }


def test_deliveries_sources_and_meeting_places(plan: Plan) -> None:
    assert len(plan.deliveries) == 7
    assert [d.id for d in plan.deliveries if d.office365] == ["o365"]
    assert len(plan.alarm_sources) == 5
    places = {place.kind: (place.name, place.address) for place in plan.meeting_places}
    assert places == {
        MeetingPlaceKind.PRIMARY: ("Byrådssalen", "Struer Rådhus"),
        MeetingPlaceKind.ALTERNATIVE: ("IT-undervisningslokale", "Peter Bangsvej 13, 7600 Struer"),
    }


def test_levels_chain_permissions_and_roster_owner(plan: Plan) -> None:
    assert [level.id for level in plan.levels.order] == ["center", "kommune"]
    assert plan.levels.decided_by == ["kriseleder"]
    assert plan.levels.top_staff_contacts == ["kriseleder", "situationsbillede"]
    assert (plan.alarm_chain.triage_role, plan.alarm_chain.director_role) == ("it", "kriseleder")
    assert plan.permissions.triage == ["it"]
    assert plan.permissions.activate == plan.permissions.level_change == ["kriseleder"]
    assert plan.contact_procedure.roster_owner == "cvo"


# ── Checks derived from the seed text ────────────────────────────────────────────────


@dataclass
class Contact:
    name: str
    title: str
    email: str
    numbers: list[tuple[str, PhoneKind]]


def _e164(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    assert len(digits) == 8, text
    return "+45" + digits


def _person_number(text: str) -> tuple[str, PhoneKind]:
    """A contact's number: 9684xxxx is the municipality's landline range, 29/40 numbers are mobiles."""
    number = _e164(text)
    assert number.startswith(("+459684", "+4529", "+4540")), text
    return number, PhoneKind.LANDLINE if number.startswith("+459684") else PhoneKind.MOBILE


def _external_number(text: str) -> tuple[str, PhoneKind]:
    """``"1-1-4"`` is the short number 114; a full number of an external participant is a landline."""
    digits = re.sub(r"\D", "", text)
    return (digits, PhoneKind.SHORT) if len(digits) == 3 else (_e164(text), PhoneKind.LANDLINE)


def _bullets(seed: str, header: str) -> list[str]:
    """The bullet texts (any depth) right under the plain line ``header``."""
    lines = seed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == header) + 1
    bullets = []
    for line in lines[start:]:
        text = line.strip()
        if text and not text.startswith("•"):
            break
        if text:
            bullets.append(text.removeprefix("•").strip())
    return bullets


def _kontakt(seed: str) -> str:
    """The "Kontakt" section: from "Interne kontakter:" to "Hvordan kontaktes de:"."""
    return seed.split("Interne kontakter:", 1)[1].split("Hvordan kontaktes de:", 1)[0]


def _contact_list(seed: str) -> dict[str, tuple[Contact, list[Contact]]]:
    """Role label → (primary, deputies) as the "Kontakt" section lists them."""
    pattern = re.compile(
        r"(?P<label>[^:]+):\s*(?P<name>[^,]+),\s*(?P<title>.+?),?\s+(?P<email>\S+@\S+)\s+-\s+(?P<numbers>.+)"
    )
    roles: dict[str, tuple[Contact, list[Contact]]] = {}
    for bullet in _bullets(seed, "Interne kontakter:"):
        match = pattern.fullmatch(bullet)
        if not match:
            continue
        contact = Contact(
            match["name"].strip(),
            match["title"].strip(),
            match["email"],
            [_person_number(number) for number in match["numbers"].split("/")],
        )
        if match["label"] == "Stedfortræder":
            roles[list(roles)[-1]][1].append(contact)
        else:
            roles[match["label"].strip()] = (contact, [])
    return roles


def _normal(text: str) -> str:
    return re.sub(r"[\s,]+", " ", text.replace("’", "'")).strip().casefold()


def test_seed_contact_list_is_parsed(seed: str) -> None:
    """Guards the parser: five roles, each with one deputy, and seven distinct people."""
    roles = _contact_list(seed)
    assert len(roles) == 5
    assert all(len(deputies) == 1 for _, deputies in roles.values())
    assert len({c.email for primary, deputies in roles.values() for c in [primary, *deputies]}) == 7


def test_every_contact_is_in_the_plan_with_name_title_email_and_numbers(seed: str, plan: Plan) -> None:
    for primary, deputies in _contact_list(seed).values():
        for contact in [primary, *deputies]:
            person = plan.person_by_email(contact.email)
            assert person is not None, contact
            assert person.name == contact.name
            assert contact.title.casefold() in person.title.casefold(), (contact, person.title)
            assert sorted((phone.number, phone.kind) for phone in person.phones) == sorted(contact.numbers)


def test_every_email_and_number_in_kontakt_belongs_to_the_plan(seed: str, plan: Plan) -> None:
    section = _kontakt(seed)
    assert set(EMAIL.findall(section)) == {person.email for person in plan.people}
    plan_numbers = {
        phone.number
        for holder in [*plan.people, *plan.external_participants]
        for phone in holder.phones
        if phone.kind is not PhoneKind.SHORT
    }
    assert {_e164(number) for number in NUMBER.findall(section)} == plan_numbers


def test_roles_follow_the_contact_list(seed: str, plan: Plan) -> None:
    contact_list = _contact_list(seed)
    assert {role.name for role in plan.roles} == set(contact_list)
    for role in plan.roles:
        primary, deputies = contact_list[role.name]
        assert plan.person_by_id[role.primary].email == primary.email, role.id
        assert [plan.person_by_id[d].email for d in role.deputies] == [d.email for d in deputies], role.id


def test_role_functions_and_deputies_follow_the_organisation_section(seed: str, plan: Plan) -> None:
    for role in plan.roles:
        function, *rest = _bullets(seed, f"{role.name}:")
        assert role.function == function
        if rest and role.id != "it":
            deputy_position = rest[0].removeprefix("Stedfortræder:").strip()
            assert plan.person_by_id[role.deputies[0]].title.casefold() == deputy_position.casefold(), role.id


def test_it_deputy_is_the_contact_list_person_and_the_choice_is_documented(seed: str, plan: Plan) -> None:
    """The organisation section names a "projektkoordinator", the contact list Peter Knudsen."""
    deputy_position = _bullets(seed, "Ansvarlig for IT og Digitalisering:")[1].removeprefix("Stedfortræder:").strip()
    assert deputy_position.casefold() not in {person.title.casefold() for person in plan.people}
    _, deputies = _contact_list(seed)["Ansvarlig for IT og Digitalisering"]
    assert [plan.person_by_id[d].name for d in plan.role_by_id["it"].deputies] == [d.name for d in deputies]
    text = default_plan_path().read_text(encoding="utf-8")
    block = re.search(r'\[\[roles\]\]\nid = "it"\n(.*?)\n\[\[', text, re.S)
    assert block, "no [[roles]] block with id = \"it\""
    assert deputy_position in " ".join(block[1].replace("#", " ").split()), "the IT role must document its deputy choice"


def test_organisation(seed: str, plan: Plan) -> None:
    lines = [line.strip() for line in seed.splitlines() if line.strip()]
    assert plan.organisation.title == lines[0]
    assert plan.organisation.scope == lines[1]
    assert plan.organisation.contributions == _bullets(seed, lines[2])


def test_critical_deliveries(seed: str, plan: Plan) -> None:
    bullets = _bullets(seed, "Kritiske leverancer:")
    assert len(bullets) == len(plan.deliveries) == 7
    for bullet, delivery in zip(bullets, plan.deliveries, strict=True):
        name, _, description = bullet.partition(" – ")
        assert delivery.name == name
        assert _normal(delivery.description or "") == _normal(description)
    assert [d.name for d in plan.deliveries if d.office365] == ["O365"]


def test_alarm_sources_and_chain(seed: str, plan: Plan) -> None:
    bullets = _bullets(seed, "Alarmer om kritiske hændelser kommer fra:")
    sources = [b for b in bullets if not b.endswith(".")]
    steps = [b for b in bullets if b.endswith(".")]
    assert len(sources) == len(plan.alarm_sources) == 5
    for bullet, source in zip(sources, plan.alarm_sources, strict=True):
        name, _, description = bullet.partition(", ")
        assert source.name == name
        assert _normal(source.description or "") == _normal(description.replace("ifbm", "i forbindelse med"))
    assert " ".join(plan.alarm_chain.steps) == " ".join(steps)
    steps_text = " ".join(steps).casefold()
    for role_id in (plan.alarm_chain.triage_role, plan.alarm_chain.director_role):
        holder = plan.person_by_id[plan.role_by_id[role_id].primary]
        assert holder.title.casefold() in steps_text, role_id


def test_meeting_places(seed: str, plan: Plan) -> None:
    primary, alternative = _bullets(seed, "Mødested")
    by_kind = {place.kind: place for place in plan.meeting_places}
    assert len(by_kind) == len(plan.meeting_places) == 2
    first, second = by_kind[MeetingPlaceKind.PRIMARY], by_kind[MeetingPlaceKind.ALTERNATIVE]
    assert f"{first.name} på {first.address}" == primary
    assert f"Alternativt i {second.name} på {second.address}." == alternative


def test_external_participants(seed: str, plan: Plan) -> None:
    bullets = _bullets(seed, "Øvrige mulige deltagere i kriseledelsen:")
    assert len(bullets) == len(plan.external_participants) == 4
    for bullet, participant in zip(bullets, plan.external_participants, strict=True):
        assert participant.id in bullet.casefold()
        aside = re.search(r"\((.*)\)", bullet)
        if aside:
            assert participant.note.casefold() == aside[1].casefold()
    by_name = {participant.name: participant for participant in plan.external_participants}
    listed = re.findall(r"•\s*(.+?) T: (.+)", _kontakt(seed))
    assert len(listed) == 2
    for name, numbers in listed:
        expected = [_external_number(number) for number in numbers.split(" eller ")]
        assert [(phone.number, phone.kind) for phone in by_name[name].phones] == expected, name


def test_levels_and_top_staff_contacts(seed: str, plan: Plan) -> None:
    decision = _bullets(seed, "Understøttelse af øverste krisestab")[0]
    squashed = re.sub(r"\s", "", decision).casefold()
    positions = [squashed.index(level.name.casefold()) for level in plan.levels.order]
    assert positions == sorted(positions)
    assert re.sub(r"\s", "", plan.levels.decision) == re.sub(r"\s", "", decision)
    assert [plan.role_by_id[r].name.casefold() for r in plan.levels.decided_by] == [decision.split()[-1].rstrip(".")]
    contacts = _bullets(seed, "Kontaktperson ind i øverste krisestab")[0].casefold()
    assert len(plan.levels.top_staff_contacts) == len(contacts.split(" eller "))
    for role_id in plan.levels.top_staff_contacts:
        assert plan.role_by_id[role_id].name.casefold().removeprefix("ansvarlig for ") in contacts


def test_contact_procedure_and_roster_owner(seed: str, plan: Plan) -> None:
    summons = " ".join(_bullets(seed, "Indkaldelse"))
    # The plan corrects the seed's slip "per pr" to "pr.".
    assert " ".join(plan.contact_procedure.summons) == summons.replace("per pr telefon", "pr. telefon")
    assert plan.contact_procedure.contact == _bullets(seed, "Hvordan kontaktes de:")
    owner_title = re.search(r"([A-ZÆØÅ][^.]*?) har til enhver tid en aktuel liste", summons)[1]
    assert plan.person_by_id[plan.contact_procedure.roster_owner].title.casefold() == owner_title.casefold()
