"""The words of the ``kontakt``, ``ekstern`` and ``ankommet`` chat commands, read into actions. Pure.

    kontakt <person> <telefon|personligt|mail|sms> <kvitteret|kommer [ankomst]|kommer ikke>
    ekstern <id|navn> <kontaktet|tilkaldt|indkald> [bemærkning]
    ankommet [person|ekstern deltager]

``indkald`` has Krisebot summon the participant by SMS and call (``SUMMON``, also the situation card's choice);
``ankommet`` alone is the writer's own arrival.

A person is named by id, first name or full name, an external participant by id or name, however spelt
(``bot.plan.spelling``: case, accents, æ/ae, punctuation do not count). Words that name nothing come back as a
``BadInput`` with the choices, for the Teams layer to word.
"""

from dataclasses import dataclass
from enum import StrEnum

from ..plan.models import Plan
from ..plan.spelling import spelling
from .actions import RecordArrival, RecordContact, RecordExternal, SummonExternal
from .events import ContactAnswer, ContactMethod, ExternalStatus
from .text_commands import folded

ANSWER_CHOICES = ("kvitteret", "kommer [ankomst]", "kommer ikke")
SUMMON = "indkald"
"""The word (and the external form's status value) that has Krisebot summon an external participant."""


class Problem(StrEnum):
    """Which part of a command named nothing the plan or the command knows."""

    PERSON = "person"
    HOW = "how"
    ANSWER = "answer"
    EXTERNAL = "external"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class BadInput:
    """``given`` (as typed; empty when missing) is not one of ``choices``."""

    problem: Problem
    given: str
    choices: tuple[str, ...]


def _split(words: list[str], keywords: set[str]) -> int | None:
    """The index of the first of ``words`` after the first one that is a keyword."""
    return next((i for i, word in enumerate(words) if i > 0 and folded(word) in keywords), None)


def parse_contact(plan: Plan, text: str) -> RecordContact | BadInput:
    """``hjm telefon kvitteret``, ``Henrik personligt kommer 20 min``, ``henrik jebjerg mogensen mail kommer ikke``."""
    words = text.split()
    at = _split(words, {m.value for m in ContactMethod})
    if at is None:
        if len(words) < 2:
            return BadInput(Problem.PERSON, " ".join(words), _person_choices(plan))
        return BadInput(Problem.HOW, words[1], tuple(ContactMethod))
    person = _person(plan, " ".join(words[:at]))
    if isinstance(person, BadInput):
        return person
    how = ContactMethod(folded(words[at]))
    rest = words[at + 1:]
    answer = [folded(word) for word in rest]
    if answer == ["kvitteret"]:
        return RecordContact(person, how, ContactAnswer.KVITTERET)
    if answer == ["kommer", "ikke"]:
        return RecordContact(person, how, ContactAnswer.KOMMER_IKKE)
    if answer[:1] == ["kommer"]:
        eta = rest[2:] if answer[1:2] == ["ankomst"] else rest[1:]
        return RecordContact(person, how, ContactAnswer.KOMMER, " ".join(eta))
    return BadInput(Problem.ANSWER, " ".join(rest), ANSWER_CHOICES)


def parse_external(plan: Plan, text: str) -> RecordExternal | SummonExternal | BadInput:
    """``politi tilkaldt``, ``Indsatsleder fra beredskabet kontaktet ringer tilbage kl. 10``, ``politi indkald``."""
    words = text.split()
    statuses = (*(s.value for s in ExternalStatus), SUMMON)
    at = _split(words, set(statuses))
    if at is None:
        if len(words) < 2:
            return BadInput(Problem.EXTERNAL, " ".join(words), tuple(e.id for e in plan.external_participants))
        return BadInput(Problem.STATUS, words[1], statuses)
    found = _externals_named(plan, " ".join(words[:at]))
    if not found:
        return BadInput(Problem.EXTERNAL, " ".join(words[:at]), tuple(e.id for e in plan.external_participants))
    note = " ".join(words[at + 1:])
    if folded(words[at]) == SUMMON:
        return SummonExternal(found[0], note)
    return RecordExternal(found[0], ExternalStatus(folded(words[at])), note)


def parse_arrival(plan: Plan, text: str, writer: str) -> RecordArrival | BadInput:
    """``""`` (the ``writer``'s own arrival), ``hjm``, ``Henrik``, ``jesper thyrring moller``, ``politi``."""
    if not text.strip():
        return RecordArrival(writer)
    found = _people_named(plan, text) or _externals_named(plan, text)
    if len(found) == 1:
        return RecordArrival(found[0])
    choices = found or [*plan.person_by_id, *plan.external_by_id]
    return BadInput(Problem.PERSON, text.strip(), tuple(_choice(plan, c) for c in choices))


def _person(plan: Plan, named: str) -> str | BadInput:
    """The one person ``named`` names; else the choices (those who share the name, or everyone)."""
    found = _people_named(plan, named)
    if len(found) == 1:
        return found[0]
    return BadInput(Problem.PERSON, named, tuple(_choice(plan, p) for p in found) or _person_choices(plan))


def _people_named(plan: Plan, named: str) -> list[str]:
    """The people ``named`` names by id or full name, else by first name."""
    key = spelling(named)
    exact = [p.id for p in plan.everyone if key in (spelling(p.id), spelling(p.name))]
    return exact or [p.id for p in plan.everyone if spelling(p.name.split()[0]) == key]


def _externals_named(plan: Plan, named: str) -> list[str]:
    """The external participants ``named`` names by id or name."""
    key = spelling(named)
    return [e.id for e in plan.external_participants if key in (spelling(e.id), spelling(e.name))]


def _person_choices(plan: Plan) -> tuple[str, ...]:
    return tuple(_choice(plan, p.id) for p in plan.everyone)


def _choice(plan: Plan, named_id: str) -> str:
    """``hjm (Henrik Jebjerg Mogensen)``: a person's or external participant's id and name."""
    return f"{named_id} ({(plan.person_by_id.get(named_id) or plan.external_by_id[named_id]).name})"
