"""Answers to a page by SMS and by phone keypad: which a page offers, and the action each one means. Pure.

``answers`` is the one place that decides what a person may answer to a page in the crisis
as it is now (their roles' permissions, the crisis's phase); SMS and the keypad offer the
part of it they have a letter or a key for. A page by SMS carries a code scoped to the
recipient's number (``1``) and lists the letters the recipient may answer with (``1K``
acknowledge, ``1D`` inform the director, …; on a summons ``1K 20`` coming in 20 minutes, ``1N`` not
coming); a call lists its keys (``1`` acknowledge, ``9`` hear it again; on a summons ``1`` coming,
after which the minutes until arrival are typed: ``20#``). An answer is checked again against the
crisis as it is when it arrives.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from ..plan.models import Plan
from .actions import Acknowledge, Action, AnswerSummons, ChangeLevel, Close, Decide, Triage
from .events import DirectorDecision, PagePurpose, TriageDecision
from .coverage import may_triage
from .lifecycle import current_level
from .permissions import Permission, may
from .state import CrisisState, Phase

VIA = "sms"
KEYPAD_VIA = "telefon"
STATUS = "STATUS"
REPEAT_KEY = "9"
"""The key that plays a call's message again; offered on every call about an open crisis."""


class Answer(StrEnum):
    """What a person may answer to a page, on any channel."""

    ACKNOWLEDGE = "acknowledge"
    INFORM_DIRECTOR = "inform_director"
    NOT_CRITICAL = "not_critical"
    ACTIVATE = "activate"
    RAISE_LEVEL = "raise_level"
    CLOSE = "close"
    COMING = "coming"
    NOT_COMING = "not_coming"


class Reply(StrEnum):
    """The letter after the code; what it answers depends on the page (``letter_answer``)."""

    ACKNOWLEDGE = "K"
    INFORM_DIRECTOR = "D"
    NOT_CRITICAL = "I"
    ACTIVATE = "A"
    RAISE_LEVEL = "E"
    CLOSE = "L"
    NOT_COMING = "N"


_LETTERS: dict[Reply, Answer] = {reply: Answer[reply.name] for reply in Reply}
_SUMMONS_LETTERS = {**_LETTERS, Reply.ACKNOWLEDGE: Answer.COMING}
"""On a summons ``K`` (kvittér) is «kommer»: the answer the summons asks for (the keypad's ``1`` likewise)."""
SUMMONING = frozenset({PagePurpose.SUMMONS, PagePurpose.EXTERNAL})
"""The purposes whose page asks «kommer» or «kommer ikke»: a role holder's summons and an external participant's."""

LABELS = {
    Answer.ACKNOWLEDGE: "kvittér",
    Answer.INFORM_DIRECTOR: "underret direktøren",
    Answer.NOT_CRITICAL: "ikke kritisk",
    Answer.ACTIVATE: "aktivér krisestaben",
    Answer.RAISE_LEVEL: "hæv niveau",
    Answer.CLOSE: "afslut krisen",
    Answer.COMING: "kommer",
    Answer.NOT_COMING: "kommer ikke",
}
"""What the SMS says each answer's letter does."""


@dataclass(frozen=True, slots=True)
class SmsAlarm:
    """``ALARM <what is wrong>``: a new alarm (a bare ``ALARM`` has no description, which the lifecycle refuses)."""

    description: str


@dataclass(frozen=True, slots=True)
class CodedReply:
    """``<code><letter>``, e.g. ``1K``; ``rest`` is what follows the letter, as written (``1K 20``: ``20``)."""

    code: int
    reply: Reply
    rest: str = ""


_ALARM = re.compile(r"^\s*ALARM\b[\s:.-]*(.*)$", re.IGNORECASE | re.DOTALL)
_CODED = re.compile(r"^\s*(\d{1,3})\s*([A-ZÆØÅ])\s*(.*?)\s*$", re.IGNORECASE | re.DOTALL)
_MINUTES = re.compile(r"^(?:ca\.?\s*|om\s+)?(\d{1,3})\s*(?:m|min|min\.|minutter)?$", re.IGNORECASE)
ETA_LIMIT = 200
"""An arrival written after the letter is kept up to this many characters (the card's field takes as many)."""
KEYED_MINUTES = 600
"""The most minutes until arrival the keypad takes (ten hours); more is taken for a slip of the finger."""
KEYED_DIGITS = len(str(KEYED_MINUTES))
"""The most digits of the minutes typed on the keypad."""


def parse_reply(text: str) -> CodedReply | SmsAlarm | str | None:
    """A coded reply, an alarm, ``STATUS``, or None when the text is none of them (the keyword is already stripped)."""
    cleaned = text.strip().upper()
    if cleaned.rstrip(".!") == STATUS:
        return STATUS
    alarm = _ALARM.match(text)
    if alarm is not None:
        return SmsAlarm(alarm.group(1).strip())
    match = _CODED.match(text)
    if match is None:
        return None
    try:
        return CodedReply(int(match.group(1)), Reply(match.group(2).upper()), match.group(3))
    except ValueError:
        return None


def eta_minutes(eta: str) -> int | None:
    """The minutes an arrival is given in (``20``, ``20 min``, ``ca. 20 minutter``), or None for other words."""
    minutes = _MINUTES.match(eta.strip())
    return int(minutes.group(1)) if minutes else None


def minutes_eta(minutes: int) -> str:
    """An arrival in minutes as every channel records it: ``20 min`` (``eta_minutes`` reads it back)."""
    return f"{minutes} min"


def sms_eta(rest: str) -> str:
    """The arrival a «kommer» by SMS gives: ``20`` (or ``ca. 20 min``) → ``20 min``; other words as written."""
    minutes = eta_minutes(rest)
    return minutes_eta(minutes) if minutes is not None else rest.strip()[:ETA_LIMIT]


def keyed_eta(typed: str) -> str | None:
    """The arrival typed on the keypad after «kommer», as the call's keys came (``bot.channels.voice``'s
    ``KeyPress.digits``): ``20#`` (or ``20`` without the '#') → ``20 min``; ``#`` alone → ``""`` (coming, no time
    given); None for no keys and for what is not 1 to ``KEYED_MINUTES`` minutes."""
    number = typed.removesuffix("#")
    if not number:
        return "" if typed else None
    if len(number) > KEYED_DIGITS or not (number.isascii() and number.isdigit()):
        return None
    if not 0 < int(number) <= KEYED_MINUTES:
        return None
    return minutes_eta(int(number))


def keyed_arrival(eta: str) -> Action:
    """The «kommer» with the arrival ``eta`` typed on the keypad (``keyed_eta``)."""
    return AnswerSummons(coming=True, via=KEYPAD_VIA, eta=eta)


def letter_answer(purpose: PagePurpose, reply: Reply) -> Answer:
    """What ``reply`` answers on a page for ``purpose``."""
    return (_SUMMONS_LETTERS if purpose in SUMMONING else _LETTERS)[reply]


def sms_alarm_source(plan: Plan) -> str:
    """The alarm source an SMS alarm counts as."""
    return plan.alarm_chain.sms_source or plan.alarm_sources[0].id


def next_level(plan: Plan, state: CrisisState) -> str | None:
    """The level above the crisis's current one, if there is one."""
    ids = [level.id for level in plan.levels.order]
    position = ids.index(current_level(plan, state))
    return ids[position + 1] if position + 1 < len(ids) else None


def answers(plan: Plan, state: CrisisState, purpose: PagePurpose, person: str) -> list[Answer]:
    """Every answer a page for ``purpose`` lets ``person`` give in the crisis as it is now, in this order; an external
    participant only answers its summons, and someone else outside the plan nothing."""
    if not state.phase.open:
        return []
    if purpose is PagePurpose.EXTERNAL:
        return [Answer.COMING, Answer.NOT_COMING] if state.page(person, purpose) is not None else []
    if person not in plan.person_by_id:
        return []
    options = [Answer.ACKNOWLEDGE]
    if purpose is PagePurpose.TRIAGE and state.phase is Phase.TRIAGE and may_triage(plan, state, person):
        options += [Answer.INFORM_DIRECTOR, Answer.NOT_CRITICAL]
    if state.phase is Phase.DIRECTOR and may(plan, person, Permission.ACTIVATE):
        options.append(Answer.ACTIVATE)
    if purpose is PagePurpose.SUMMONS and state.phase is Phase.ACTIVATED and state.page(person, purpose) is not None:
        options += [Answer.COMING, Answer.NOT_COMING]
    if state.phase is Phase.ACTIVATED and next_level(plan, state) and may(plan, person, Permission.LEVEL_CHANGE):
        options.append(Answer.RAISE_LEVEL)
    if may(plan, person, Permission.CLOSE):
        options.append(Answer.CLOSE)
    return options


def reply_options(plan: Plan, state: CrisisState, purpose: PagePurpose, person: str) -> list[Reply]:
    """The SMS letters a page for ``purpose`` offers ``person`` now: the ``answers`` that have a letter on it."""
    letters = {letter_answer(purpose, reply): reply for reply in Reply}
    return [letters[a] for a in answers(plan, state, purpose, person) if a in letters]


def reply_action(plan: Plan, state: CrisisState, purpose: PagePurpose, reply: CodedReply) -> Action | None:
    """The lifecycle action ``reply`` to a page for ``purpose`` asks for; None for a level raise when there is no
    higher level.

    What follows the letter is the person's own words: the assessment or note where the action has one
    (``1D Hele O365 er nede``; a bare ``1D`` has none), or a «kommer»'s arrival (``sms_eta``). The SMS itself
    is kept word for word beside the action (``SmsReceived``), never as its assessment.
    """
    answer = letter_answer(purpose, reply.reply)
    return _action(plan, state, answer, reply.rest.strip(), VIA, eta=sms_eta(reply.rest))


def _action(plan: Plan, state: CrisisState, answer: Answer, note: str, via: str, eta: str = "") -> Action | None:
    """The action ``answer`` asks for, with ``note`` (the person's own words, or nothing) as its assessment or note
    and ``eta`` as a «kommer»'s arrival; None for a level raise at the top."""
    match answer:
        case Answer.ACKNOWLEDGE:
            return Acknowledge(via=via)
        case Answer.INFORM_DIRECTOR:
            return Triage(TriageDecision.INFORM_DIRECTOR, note or None, via=via)
        case Answer.NOT_CRITICAL:
            return Triage(TriageDecision.NOT_CRITICAL, note or None, via=via)
        case Answer.ACTIVATE:
            return Decide(DirectorDecision.ACTIVATE, via=via, note=note)
        case Answer.RAISE_LEVEL:
            level = next_level(plan, state)
            return ChangeLevel(level) if level else None
        case Answer.CLOSE:
            return Close(note=note)
        case Answer.COMING:
            return AnswerSummons(coming=True, via=via, eta=eta)
        case Answer.NOT_COMING:
            return AnswerSummons(coming=False, via=via)


@dataclass(frozen=True, slots=True)
class Key:
    """A key a call offers: ``digit``, what it answers (None for ``REPEAT_KEY``) and its Danish label."""

    digit: str
    answer: Answer | None
    label: str


_KEYS: dict[PagePurpose, dict[str, Answer]] = {
    PagePurpose.TRIAGE: {"1": Answer.ACKNOWLEDGE, "2": Answer.INFORM_DIRECTOR, "3": Answer.NOT_CRITICAL},
    PagePurpose.DIRECTOR: {"1": Answer.ACKNOWLEDGE, "2": Answer.ACTIVATE},
    PagePurpose.SUMMONS: {"1": Answer.COMING, "2": Answer.NOT_COMING},
    PagePurpose.INFORM: {"1": Answer.ACKNOWLEDGE},
    PagePurpose.TOP_STAFF: {"1": Answer.ACKNOWLEDGE},
    PagePurpose.MEETING_MOVED: {"1": Answer.ACKNOWLEDGE},
    PagePurpose.MONITORING: {"1": Answer.ACKNOWLEDGE},
    PagePurpose.UNCOVERED: {"1": Answer.ACKNOWLEDGE},
    PagePurpose.EXTERNAL: {"1": Answer.COMING, "2": Answer.NOT_COMING},
    PagePurpose.NOT_CRITICAL: {},
    PagePurpose.STAND_DOWN: {},
}
KEY_LABELS = {
    Answer.ACKNOWLEDGE: "kvittér",
    Answer.INFORM_DIRECTOR: "underret kommunaldirektøren",
    Answer.NOT_CRITICAL: "ikke kritisk",
    Answer.ACTIVATE: "aktivér kriseberedskabet",
    Answer.COMING: "kommer",
    Answer.NOT_COMING: "kommer ikke",
}
REPEAT_LABEL = "hør igen"


def keypad(plan: Plan, state: CrisisState, purpose: PagePurpose, person: str) -> list[Key]:
    """The keys a call for ``purpose`` offers ``person`` now: the ``answers`` that have a key, then ``REPEAT_KEY``;
    none once the crisis is over."""
    allowed = answers(plan, state, purpose, person)
    if not allowed:
        return []
    keys = [Key(digit, answer, KEY_LABELS[answer]) for digit, answer in _KEYS[purpose].items() if answer in allowed]
    return [*keys, Key(REPEAT_KEY, None, REPEAT_LABEL)]


def key_answer(purpose: PagePurpose, digit: str) -> Answer | None:
    """What ``digit`` answers on a call for ``purpose``; None for ``REPEAT_KEY`` and a digit it has no key for."""
    return _KEYS[purpose].get(digit)


def key_action(plan: Plan, state: CrisisState, purpose: PagePurpose, digit: str) -> Action | None:
    """The lifecycle action ``digit`` asks for on a call for ``purpose``; None for ``REPEAT_KEY`` and a digit the
    purpose has no key for. Whether the person may press it now is ``keypad``'s to say (the lifecycle checks again)."""
    answer = key_answer(purpose, digit)
    return _action(plan, state, answer, "", KEYPAD_VIA) if answer else None
