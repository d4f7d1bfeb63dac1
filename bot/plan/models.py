"""The crisis plan as data: pydantic models of a TOML plan file.

Nothing about a particular municipality lives in code; a plan file names the people, the rest
of the management (who hold no role but may be informed), the roles and their deputies, the escalation policy, the critical deliveries, the alarm sources,
the meeting places, the levels and who may do what. Cross-references (a role's primary, a
permission's roles) are checked when the plan is built, so a loaded ``Plan`` is consistent.
"""

import re
from datetime import timedelta
from enum import StrEnum
from functools import cached_property
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ..errors import PlanError
from .contact import Contacts
from .durations import Duration
from .phones import Phone
from .spelling import spelling

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organisation(_Model):
    """Who the plan belongs to and what the unit contributes to the overall crisis management."""

    name: Text
    unit: Text
    title: Text
    scope: Text | None = None
    contributions: list[Text] = []
    tenant_id: str | None = Field(
        default=None,
        description="Entra tenant the plan's people belong to; without KRISEBOT_BOT_TENANT_ID, Teams activities from "
        "other tenants are refused",
    )


class Escalation(_Model):
    """Plan-wide defaults: wait ``ack_timeout`` for an acknowledgement, repeat ``repeat`` times, then move on."""

    ack_timeout: Duration = timedelta(minutes=5)
    repeat: int = Field(default=1, ge=0, le=10)


class Person(_Model):
    """Someone who can be paged. ``email`` is the work address and Entra UPN."""

    id: Id
    name: Text
    title: Text
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", to_lower=True)]
    phones: list[Phone] = []
    entra_object_id: str | None = None

    @property
    def mobile(self) -> Phone | None:
        """The first number that takes SMS, if any."""
        return next((phone for phone in self.phones if phone.takes_sms), None)


class Role(_Model):
    """A role in the crisis organisation, held by ``primary`` and then the ordered ``deputies``.

    ``function`` is who should hold it, as the plan describes the position
    (``"Kommunaldirektøren"``); ``ack_timeout`` and ``repeat`` fall back to ``[escalation]``.
    """

    id: Id
    name: Text
    function: Text
    primary: Id
    deputies: list[Id] = []
    ack_timeout: Duration | None = None
    repeat: int | None = Field(default=None, ge=0, le=10)

    @property
    def chain(self) -> list[str]:
        """Person ids in paging order: primary first, then the deputies."""
        return [self.primary, *self.deputies]


class ExternalParticipant(_Model):
    """A possible member of the crisis management outside the organisation: listed and called, not paged through Teams.

    ``summon`` lets Krisebot summon it (by SMS and call, once, repeated by hand); it needs a mobile number.
    """

    id: Id
    name: Text
    phones: list[Phone] = []
    note: Text | None = None
    summon: bool = False

    @model_validator(mode="after")
    def _summon_needs_a_mobile(self) -> "ExternalParticipant":
        if self.summon and self.mobile is None:
            raise ValueError('summon = true kræver et mobilnummer (kind = "mobile") i phones')
        return self

    @property
    def mobile(self) -> Phone | None:
        """The first number that takes SMS, if any."""
        return next((phone for phone in self.phones if phone.takes_sms), None)


Recipient = Person | ExternalParticipant
"""Someone Krisebot sends a page to: a plan person, or an external participant it may summon."""


class Delivery(_Model):
    """A critical delivery (kritisk leverance). ``office365`` marks the one whose loss means Teams is down."""

    id: Id
    name: Text
    description: Text | None = None
    office365: bool = False


class AlarmSource(_Model):
    """Where critical alarms come from."""

    id: Id
    name: Text
    description: Text | None = None


LabelName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]


class AlarmRule(_Model):
    """Labels of an incoming alarm (every one must equal) → the deliveries it affects and the source it counts as.

    Monitoring alerts are matched on their labels (``service = "o365"``); alarm mail on the
    labels ``sender`` (the address) and ``sender_domain``. The deliveries of every matching
    rule count; the first matching rule that names a ``source`` decides the source.
    """

    match: dict[LabelName, Text] = Field(min_length=1)
    deliveries: list[Id] = []
    source: Id | None = None


class AlarmIntake(_Model):
    """Which alarm source machine alarms count as: monitoring webhooks and heartbeats, and alarm mail."""

    monitoring_source: Id
    mail_source: Id


class Heartbeat(_Model):
    """A monitoring system that calls ``POST /api/heartbeats/{id}`` every ``interval``; silent for
    longer than ``interval`` + ``grace`` raises the alarm «Overvågning er tavs»."""

    id: Id
    description: Text
    interval: Duration
    grace: Duration = timedelta(minutes=1)
    deliveries: list[Id] = []


class MeetingPlaceKind(StrEnum):
    PRIMARY = "primary"
    ALTERNATIVE = "alternative"


class MeetingPlace(_Model):
    """Where the crisis staff meets."""

    id: Id
    kind: MeetingPlaceKind
    name: Text
    address: Text


class Level(_Model):
    """A level of crisis management, in order from the first (centre) to the highest."""

    id: Id
    name: Text


class Levels(_Model):
    """The levels, who decides a change of level, and the contact roles into the top crisis staff."""

    order: list[Level] = Field(min_length=1)
    decided_by: list[Id] = Field(min_length=1)
    decision: Text
    top_staff_contacts: list[Id] = Field(min_length=1)


class AlarmChain(_Model):
    """The alarm procedure: who triages a critical alarm, who is informed and decides next."""

    triage_role: Id
    director_role: Id
    situation_role: Id | None = Field(
        default=None,
        description="The role that keeps the situation picture; told, with the director role, of a role nobody answers for",
    )
    steps: list[Text] = Field(min_length=1)
    sms_source: Id | None = Field(
        default=None, description="The alarm source an alarm sent by SMS (ALARM …) counts as; default the first source"
    )


class Permissions(_Model):
    """Which roles (primary or any deputy) may take each decision."""

    triage: list[Id] = Field(min_length=1)
    activate: list[Id] = Field(min_length=1)
    level_change: list[Id] = Field(min_length=1)
    meeting_place: list[Id] = Field(min_length=1)
    close: list[Id] = Field(min_length=1)
    record_contact: list[Id] = Field(min_length=1)
    """Who records that a person or an external participant was reached outside Krisebot; the ``activate``
    roles when the plan does not say."""

    @model_validator(mode="before")
    @classmethod
    def _record_contact_default(cls, data: object) -> object:
        if isinstance(data, dict) and "record_contact" not in data and "activate" in data:
            return {**data, "record_contact": data["activate"]}
        return data


class ContactProcedure(_Model):
    """How people are summoned and contacted, and who keeps the roster current."""

    summons: list[Text] = Field(min_length=1)
    contact: list[Text] = Field(min_length=1)
    roster_owner: Id
    channels: Contacts = Contacts()


class Plan(_Model):
    """A whole crisis plan. Build it through ``bot.plan.load_plan`` to get file-named errors."""

    organisation: Organisation
    escalation: Escalation = Escalation()
    people: list[Person] = Field(min_length=1)
    management: list[Person] = Field(
        default=[],
        description="«Den øvrige ledelse»: managers outside the crisis organisation, whom the director may inform",
    )
    roles: list[Role] = Field(min_length=1)
    external_participants: list[ExternalParticipant] = []
    deliveries: list[Delivery] = Field(min_length=1)
    alarm_sources: list[AlarmSource] = Field(min_length=1)
    meeting_places: list[MeetingPlace] = Field(min_length=1)
    levels: Levels
    alarm_chain: AlarmChain
    permissions: Permissions
    contact_procedure: ContactProcedure
    alarm_intake: AlarmIntake | None = None
    alarm_rules: list[AlarmRule] = []
    heartbeats: list[Heartbeat] = []

    @model_validator(mode="after")
    def _check_references(self) -> "Plan":
        """Raise PlanError (not a ValueError, so pydantic passes it through) listing every bad reference."""
        problems: list[tuple[str, str]] = []
        sections = (
            ("people", "management"), ("roles",), ("external_participants",), ("deliveries",), ("alarm_sources",),
            ("meeting_places",), ("heartbeats",),
        )
        for shared in sections:  # people and the management share their ids
            seen: set[str] = set()
            for section in shared:
                for index, item in enumerate(getattr(self, section)):
                    if item.id in seen:
                        problems.append((f"{section}.{index}.id", f"id {item.id!r} findes flere gange"))
                    seen.add(item.id)
        problems += self._shared_contacts()
        problems += self._summonable_ids()
        problems += self._same_spellings()
        for index, role in enumerate(self.roles):
            for place, person in [("primary", role.primary)] + [
                (f"deputies.{n}", deputy) for n, deputy in enumerate(role.deputies)
            ]:
                if person not in self.person_by_id:
                    problems.append((f"roles.{index}.{place}", f"ukendt person {person!r}"))
            if len(set(role.chain)) != len(role.chain):
                problems.append((f"roles.{index}.deputies", "en person står flere gange i kæden"))
        role_refs = [
            ("levels.decided_by", self.levels.decided_by),
            ("levels.top_staff_contacts", self.levels.top_staff_contacts),
            ("alarm_chain.triage_role", [self.alarm_chain.triage_role]),
            ("alarm_chain.director_role", [self.alarm_chain.director_role]),
            ("alarm_chain.situation_role", [self.alarm_chain.situation_role] if self.alarm_chain.situation_role else []),
            *((f"permissions.{name}", ids) for name, ids in self.permissions),
        ]
        for field, ids in role_refs:
            problems += [(field, f"ukendt rolle {role!r}") for role in ids if role not in self.role_by_id]
        sources = {source.id for source in self.alarm_sources}
        if self.alarm_chain.sms_source is not None and self.alarm_chain.sms_source not in sources:
            problems.append(("alarm_chain.sms_source", f"ukendt alarmkilde {self.alarm_chain.sms_source!r}"))
        if self.contact_procedure.roster_owner not in self.person_by_id:
            owner = self.contact_procedure.roster_owner
            problems.append(("contact_procedure.roster_owner", f"ukendt person {owner!r}"))
        problems += self._intake_problems()
        kinds = [place.kind for place in self.meeting_places]
        if kinds.count(MeetingPlaceKind.PRIMARY) != 1:
            problems.append(("meeting_places", 'der skal være præcis ét mødested med kind = "primary"'))
        if problems:
            raise PlanError("", problems)
        return self

    def _shared_contacts(self) -> list[tuple[str, str]]:
        """Mobile numbers, emails and Entra object ids that two people (or a person and an external participant
        Krisebot may summon) share: an SMS, a mail or a Teams user could only be taken for one of them. Landlines
        and short numbers may be shared (a switchboard)."""
        problems: list[tuple[str, str]] = []
        owners: dict[tuple[str, str], str] = {}
        holders: list[tuple[str, Recipient]] = [
            (f"{section}.{i}", p) for section in ("people", "management") for i, p in enumerate(getattr(self, section))
        ]
        holders += [(f"external_participants.{i}", e) for i, e in enumerate(self.external_participants) if e.summon]
        for where, holder in holders:
            contacts = [
                (f"{where}.phones.{n}.number", "mobilnummeret", phone.number)
                for n, phone in enumerate(holder.phones) if phone.takes_sms
            ]
            if isinstance(holder, Person):
                contacts.insert(0, (f"{where}.email", "e-mailadressen", holder.email))
                if holder.entra_object_id:
                    contacts.append((f"{where}.entra_object_id", "Entra-id'et", holder.entra_object_id.lower()))
            for field, what, value in contacts:
                owner = owners.setdefault((what, value), holder.id)
                if owner != holder.id:
                    problems.append((field, f"{what} {value} har både {owner!r} og {holder.id!r}: det skal være én persons"))
        return problems

    def _summonable_ids(self) -> list[tuple[str, str]]:
        """An external participant Krisebot may summon answers under its id in the logbog: no person may have it."""
        return [
            (f"external_participants.{index}.id", f"id {external.id!r} har også en person: en deltager, Krisebot "
             "indkalder, skal have sit eget id")
            for index, external in enumerate(self.external_participants)
            if external.summon and external.id in self.person_by_id
        ]

    def _same_spellings(self) -> list[tuple[str, str]]:
        """Deliveries or alarm sources whose ids or names are spelt alike: a name given in an alarm would
        match either (``bot.plan.spelling``)."""
        problems: list[tuple[str, str]] = []
        for section in ("deliveries", "alarm_sources"):
            owners: dict[str, str] = {}
            for index, item in enumerate(getattr(self, section)):
                for field in ("id", "name"):
                    owner = owners.setdefault(spelling(getattr(item, field)), item.id)
                    if owner != item.id:
                        problems.append((f"{section}.{index}.{field}", f"staves som {owner!r}: et navn i en alarm passer på begge"))
        return problems

    def _intake_problems(self) -> list[tuple[str, str]]:
        """Unknown deliveries and sources in ``[alarm_intake]``, ``[[alarm_rules]]`` and ``[[heartbeats]]``."""
        sources, deliveries = {s.id for s in self.alarm_sources}, {d.id for d in self.deliveries}
        refs: list[tuple[str, str | None, set[str], str]] = []
        if self.alarm_intake is not None:
            refs += [
                ("alarm_intake.monitoring_source", self.alarm_intake.monitoring_source, sources, "alarmkilde"),
                ("alarm_intake.mail_source", self.alarm_intake.mail_source, sources, "alarmkilde"),
            ]
        for index, rule in enumerate(self.alarm_rules):
            refs.append((f"alarm_rules.{index}.source", rule.source, sources, "alarmkilde"))
            refs += [(f"alarm_rules.{index}.deliveries.{n}", d, deliveries, "leverance") for n, d in enumerate(rule.deliveries)]
        for index, beat in enumerate(self.heartbeats):
            refs += [(f"heartbeats.{index}.deliveries.{n}", d, deliveries, "leverance") for n, d in enumerate(beat.deliveries)]
        problems = [(field, f"ukendt {what} {value!r}") for field, value, known, what in refs if value and value not in known]
        problems += [
            (f"alarm_rules.{index}", "en regel skal nævne deliveries eller source")
            for index, rule in enumerate(self.alarm_rules) if not rule.deliveries and rule.source is None
        ]
        if (self.alarm_rules or self.heartbeats) and self.alarm_intake is None:
            problems.append(("alarm_intake", "mangler: alarm_rules og heartbeats kræver [alarm_intake]"))
        return problems

    @cached_property
    def everyone(self) -> list[Person]:
        """The people of the crisis organisation, then the rest of the management: everyone who may be paged."""
        return [*self.people, *self.management]

    @cached_property
    def person_by_id(self) -> dict[str, Person]:
        return {person.id: person for person in self.everyone}

    @cached_property
    def role_by_id(self) -> dict[str, Role]:
        return {role.id: role for role in self.roles}

    @cached_property
    def external_by_id(self) -> dict[str, ExternalParticipant]:
        return {external.id: external for external in self.external_participants}

    def recipient(self, recipient_id: str) -> Recipient | None:
        """The plan person with this id, else the external participant Krisebot may summon (their ids differ)."""
        external = self.external_by_id.get(recipient_id)
        return self.person_by_id.get(recipient_id) or (external if external and external.summon else None)

    @cached_property
    def place_by_id(self) -> dict[str, MeetingPlace]:
        return {place.id: place for place in self.meeting_places}

    @cached_property
    def level_by_id(self) -> dict[str, Level]:
        return {level.id: level for level in self.levels.order}

    @property
    def primary_meeting_place(self) -> MeetingPlace:
        return next(place for place in self.meeting_places if place.kind is MeetingPlaceKind.PRIMARY)

    def ack_timeout(self, role: Role) -> timedelta:
        return role.ack_timeout or self.escalation.ack_timeout

    def repeat(self, role: Role) -> int:
        return self.escalation.repeat if role.repeat is None else role.repeat

    def roles_of(self, person_id: str) -> list[Role]:
        """Every role the person holds, as primary or deputy, in plan order."""
        return [role for role in self.roles if person_id in role.chain]

    @cached_property
    def delivery_by_spelling(self) -> dict[str, Delivery]:
        """Each delivery under the spelling of its id and of its name."""
        return _by_spelling(self.deliveries)

    @cached_property
    def source_by_spelling(self) -> dict[str, AlarmSource]:
        """Each alarm source under the spelling of its id and of its name."""
        return _by_spelling(self.alarm_sources)

    def delivery_named(self, name: str) -> Delivery | None:
        """The delivery ``name`` names by id or name, however spelt (``O365``, ``Lønudbetaling``, ``lonudbetaling``)."""
        return self.delivery_by_spelling.get(spelling(name)) if spelling(name) else None

    def source_named(self, name: str) -> AlarmSource | None:
        """The alarm source ``name`` names by id or name, however spelt (``DPO``, ``overvaagning``)."""
        return self.source_by_spelling.get(spelling(name)) if spelling(name) else None

    def deliveries_mentioned(self, text: str) -> tuple[str, ...]:
        """Ids of the deliveries a free text names (``O365 er nede`` → ``o365``), in the order they are named.

        Words are read left to right; the longest run of up to ``MENTION_WORDS`` words that names a
        delivery counts, so «Perifært IT-udstyr» is that delivery, not «IT-udstyr»."""
        words, found, start = _WORD.findall(text), [], 0
        while start < len(words):
            for length in range(min(MENTION_WORDS, len(words) - start), 0, -1):
                delivery = self.delivery_named(" ".join(words[start:start + length]))
                if delivery is not None:
                    found.append(delivery.id)
                    start += length
                    break
            else:
                start += 1
        return tuple(dict.fromkeys(found))

    def person_by_email(self, email: str) -> Person | None:
        wanted = email.strip().lower()
        return next((person for person in self.everyone if person.email == wanted), None)

    def person_by_object_id(self, object_id: str) -> Person | None:
        return next((p for p in self.everyone if p.entra_object_id and p.entra_object_id == object_id), None)


MENTION_WORDS = 4
"""The most words a delivery's name in a free text is looked for across."""
_WORD = re.compile(r"[\w-]+")


Named = TypeVar("Named", Delivery, AlarmSource)


def _by_spelling(items: list[Named]) -> dict[str, Named]:
    """``items`` under the spelling of each one's id and name (the plan refuses two spelt alike)."""
    return {key: item for item in items for key in (spelling(item.id), spelling(item.name)) if key}
