"""A whole crisis of the bundled plan as its logbog records it, for tests of the exported story and for the example
timeline in the docs.

Run as ``python -m tests.crisis_story docs/images/timeline-example.svg`` to write the example
picture: the crisis's timeline exactly as the HTML export draws it.
"""

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    ArrivalRecorded,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    Escalated,
    Event,
    EventPayload,
    LevelChanged,
    LogEntryAdded,
    LogEntryKind,
    PagePurpose,
    PageSent,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from bot.plan import load_plan
from bot.render.export import Picture, logbog_document
from bot.resources import default_plan_path

PLAN = load_plan(default_plan_path())
CRISIS = "K-2026-014"
START = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)
"""09:00 in Struer."""
SUMMONS = PagePurpose.SUMMONS


Step = tuple[int, str, EventPayload]
"""(seconds after the alarm, actor, payload)"""


def recorded(crisis_id: str, start: datetime, steps: list[Step]) -> list[Event]:
    """The steps as the logbog records them: numbered from 1, timed from ``start``."""
    return [
        Event(seq=n, at=start + timedelta(seconds=s), crisis_id=crisis_id, actor=actor, payload=payload)
        for n, (s, actor, payload) in enumerate(steps, start=1)
    ]


def story(start: datetime = START, description: str = "Exchange svarer ikke – ingen kan sende mail") -> list[Event]:
    """Alarm, triage, the director's activation, a summons the holder of økonomi declines and the deputy takes,
    stated and recorded arrivals, a change of level, a decision in the log, and the close (seq 1, 2, …)."""
    steps: list[Step] = [
        (0, "lak", AlarmRaised(source="brugere", deliveries=["o365"], description=description, reporter="lak")),
        (1, "system", PageSent(person="cvo", roles=["it"], purpose=PagePurpose.TRIAGE, channel="teams", provider_id="a-1")),
        (2, "system", PageSent(person="cvo", roles=["it"], purpose=PagePurpose.TRIAGE, channel="sms", provider_id="gw-1")),
        (95, "cvo", Acknowledged(person="cvo", roles=["it"], via="teams")),
        (240, "cvo", Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Hele O365 er nede")),
        (241, "system", PageSent(person="jesper", roles=["kriseleder"], purpose=PagePurpose.DIRECTOR, channel="sms")),
        (400, "jesper", Acknowledged(person="jesper", roles=["kriseleder"], via="sms")),
        (420, "jesper", DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=start + timedelta(minutes=45))),
        (421, "system", PageSent(person="jesper", roles=["kriseleder"], purpose=SUMMONS, channel="sms")),
        (421, "system", PageSent(person="cvo", roles=["situationsbillede", "it"], purpose=SUMMONS, channel="teams")),
        (421, "system", PageSent(person="hjm", roles=["okonomi"], purpose=SUMMONS, channel="teams")),
        (421, "system", PageSent(person="lak", roles=["kommunikation"], purpose=SUMMONS, channel="teams")),
        (450, "jesper", SummonsAnswered(person="jesper", coming=True)),
        (500, "cvo", Acknowledged(person="cvo", roles=["situationsbillede", "it"], via="teams")),
        (500, "cvo", SummonsAnswered(person="cvo", coming=True, eta="15 min")),
        (530, "hjm", Acknowledged(person="hjm", roles=["okonomi"], via="teams")),
        (530, "hjm", SummonsAnswered(person="hjm", coming=False)),
        (531, "system", Escalated(role="okonomi", purpose=SUMMONS, stage=1, people=["emilbc"])),
        (532, "system", PageSent(person="emilbc", roles=["okonomi"], purpose=SUMMONS, channel="teams")),
        (700, "emilbc", Acknowledged(person="emilbc", roles=["okonomi"], via="teams")),
        (700, "emilbc", SummonsAnswered(person="emilbc", coming=True, eta="20 min")),
        (900, "lak", Acknowledged(person="lak", roles=["kommunikation"], via="teams")),
        (900, "lak", SummonsAnswered(person="lak", coming=True, eta="30 min")),
        (1200, "jesper", LevelChanged(level="kommune", contacts=["jesper", "cvo"])),
        (1500, "cvo", ArrivalRecorded(person="cvo")),
        (1620, "cvo", ArrivalRecorded(person="jesper")),
        (2040, "cvo", ArrivalRecorded(person="emilbc")),
        (2760, "cvo", ArrivalRecorded(person="lak")),
        (3000, "jesper", LogEntryAdded(kind=LogEntryKind.BESLUTNING, text="Borgerservice lukker i dag")),
        (3300, "cvo", LogEntryAdded(kind=LogEntryKind.HANDLING, text="Leverandøren er kontaktet")),
        (7200, "jesper", CrisisClosed(note="O365 kører igen")),
    ]
    return recorded(CRISIS, start, steps)


def timeline_picture(events: list[Event]) -> str:
    """The ``<svg>`` the HTML export of ``events`` draws."""
    return next(part.svg for part in logbog_document(PLAN, events).tables if isinstance(part, Picture))


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(timeline_picture(story()) + "\n", encoding="utf-8")
