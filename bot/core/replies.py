"""SMS replies: which answers a page offers its recipient, and the action each one means. Pure.

A page by SMS carries a code scoped to the recipient's number (``1``) and lists the letters
the recipient may answer with (``1K`` acknowledge, ``1D`` inform the director, …). Only
the letters the person's roles permit in the crisis's phase are offered, and a reply is
checked again against the crisis as it is when the reply arrives.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from ..plan.models import Plan
from .actions import Acknowledge, Action, ChangeLevel, Close, Decide, Triage
from .events import DirectorDecision, PagePurpose, TriageDecision
from .lifecycle import current_level
from .permissions import Permission, may
from .state import CrisisState, Phase

VIA = "sms"
STATUS = "STATUS"


class Reply(StrEnum):
    """The letter after the code. Labels are what the SMS says each one does."""

    ACKNOWLEDGE = "K"
    INFORM_DIRECTOR = "D"
    NOT_CRITICAL = "I"
    ACTIVATE = "A"
    RAISE_LEVEL = "E"
    CLOSE = "L"


LABELS = {
    Reply.ACKNOWLEDGE: "kvittér",
    Reply.INFORM_DIRECTOR: "underret direktøren",
    Reply.NOT_CRITICAL: "ikke kritisk",
    Reply.ACTIVATE: "aktivér krisestaben",
    Reply.RAISE_LEVEL: "hæv niveau",
    Reply.CLOSE: "afslut krisen",
}


@dataclass(frozen=True, slots=True)
class SmsAlarm:
    """``ALARM <what is wrong>``: a new alarm from a person in the plan."""

    description: str


@dataclass(frozen=True, slots=True)
class CodedReply:
    """``<code><letter>``, e.g. ``1K``."""

    code: int
    reply: Reply


_ALARM = re.compile(r"^\s*ALARM\b[\s:.-]*(.*)$", re.IGNORECASE | re.DOTALL)
_CODED = re.compile(r"^\s*(\d{1,3})\s*([A-ZÆØÅ])\s*(.*)$", re.DOTALL)


def parse_reply(text: str) -> CodedReply | SmsAlarm | str | None:
    """A coded reply, an alarm, ``STATUS``, or None when the text is none of them (the keyword is already stripped)."""
    cleaned = text.strip().upper()
    if cleaned.rstrip(".!") == STATUS:
        return STATUS
    alarm = _ALARM.match(text)
    if alarm is not None:
        return SmsAlarm(alarm.group(1).strip()) if alarm.group(1).strip() else None
    match = _CODED.match(cleaned)
    if match is None:
        return None
    try:
        return CodedReply(int(match.group(1)), Reply(match.group(2)))
    except ValueError:
        return None


def deliveries_named(plan: Plan, text: str) -> tuple[str, ...]:
    """The critical deliveries whose name or id ``text`` mentions as a word (``O365 er nede`` → ``o365``)."""
    words = set(re.findall(r"[\wæøå-]+", text.lower()))
    return tuple(d.id for d in plan.deliveries if d.id.lower() in words or d.name.lower() in words)


def sms_alarm_source(plan: Plan) -> str:
    """The alarm source an SMS alarm counts as."""
    return plan.alarm_chain.sms_source or plan.alarm_sources[0].id


def next_level(plan: Plan, state: CrisisState) -> str | None:
    """The level above the crisis's current one, if there is one."""
    ids = [level.id for level in plan.levels.order]
    position = ids.index(current_level(plan, state))
    return ids[position + 1] if position + 1 < len(ids) else None


def reply_options(plan: Plan, state: CrisisState, purpose: PagePurpose, person: str) -> list[Reply]:
    """The answers a page for ``purpose`` offers ``person`` in the crisis as it is now, in this order."""
    if not state.phase.open:
        return []
    options = [Reply.ACKNOWLEDGE]
    if purpose is PagePurpose.TRIAGE and state.phase is Phase.TRIAGE and may(plan, person, Permission.TRIAGE):
        options += [Reply.INFORM_DIRECTOR, Reply.NOT_CRITICAL]
    if state.phase is Phase.DIRECTOR and may(plan, person, Permission.ACTIVATE):
        options.append(Reply.ACTIVATE)
    if state.phase is Phase.ACTIVATED and next_level(plan, state) and may(plan, person, Permission.LEVEL_CHANGE):
        options.append(Reply.RAISE_LEVEL)
    if may(plan, person, Permission.CLOSE):
        options.append(Reply.CLOSE)
    return options


def reply_action(plan: Plan, state: CrisisState, reply: Reply, raw: str) -> Action | None:
    """The lifecycle action ``reply`` asks for; None for a level raise when there is no higher level.

    ``raw`` is the SMS word for word; it becomes the assessment or note where the action has one.
    """
    quoted = f"Svar pr. sms: «{raw.strip()}»"
    match reply:
        case Reply.ACKNOWLEDGE:
            return Acknowledge(via=VIA)
        case Reply.INFORM_DIRECTOR:
            return Triage(TriageDecision.INFORM_DIRECTOR, quoted, via=VIA)
        case Reply.NOT_CRITICAL:
            return Triage(TriageDecision.NOT_CRITICAL, quoted, via=VIA)
        case Reply.ACTIVATE:
            return Decide(DirectorDecision.ACTIVATE, via=VIA, note=quoted)
        case Reply.RAISE_LEVEL:
            level = next_level(plan, state)
            return ChangeLevel(level) if level else None
        case Reply.CLOSE:
            return Close(note=quoted)
