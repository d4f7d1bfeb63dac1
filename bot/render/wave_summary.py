"""One alarmering wave as the crisis room reads it: «Indkaldelse til 7 personer: 5 nået (Teams, opkald), 1 ikke
nået endnu: Peter Knudsen, 1 kan ikke nås: Henrik Jebjerg Mogensen – sms: planen har intet mobilnummer til personen».

Pure: the text follows from the wave (``bot.render.waves``) and the plan's names, so the log thread's summary
post is edited exactly when what it says changes. It names no message, SMS or call id.
"""

from ..core.events import PagePurpose
from ..plan.models import Plan
from .export import DELIVERY_STATES
from .log_lines import stamped
from .names import CHANNEL_NAMES, channel_name, person_name
from .waves import Reach, Wave, WavePage

HEADINGS = {
    PagePurpose.TRIAGE: "Vurdering af alarmen",
    PagePurpose.DIRECTOR: "Anmodning om beslutning om kriseberedskab",
    PagePurpose.SUMMONS: "Indkaldelse",
    PagePurpose.INFORM: "Underretning",
    PagePurpose.TOP_STAFF: "Besked om kontakt til øverste krisestab",
    PagePurpose.MEETING_MOVED: "Besked om flyttet mødested",
    PagePurpose.MONITORING: "Besked fra overvågningen",
    PagePurpose.UNCOVERED: "Besked om en rolle, ingen har kvitteret for,",
    PagePurpose.EXTERNAL: "Indkaldelse af ekstern deltager",
    PagePurpose.NOT_CRITICAL: "Besked om, at alarmen ikke er kritisk,",
    PagePurpose.STAND_DOWN: "Besked om, at krisen er afsluttet,",
}
"""What a wave's pages for each purpose are, as the start of «… til 3 personer»."""
CHANNEL_ORDER = list(CHANNEL_NAMES)


def wave_line(plan: Plan, wave: Wave) -> str:
    """The wave's summary post in the log thread (Markdown): ``08:17 · Indkaldelse til 7 personer: …``."""
    return stamped(wave.event.at, wave_summary(plan, wave))


def wave_summary(plan: Plan, wave: Wave) -> str:
    """Per purpose of the wave's pages, one line: how many were paged, reached, not reached yet, or cannot be."""
    purposes = list(dict.fromkeys(page.purpose for page in wave.pages))
    return "\n".join(_purpose_line(plan, purpose, [p for p in wave.pages if p.purpose == purpose]) for purpose in purposes)


def _purpose_line(plan: Plan, purpose: PagePurpose, pages: list[WavePage]) -> str:
    reached, waiting, unreachable = ([p for p in pages if p.reach is reach] for reach in Reach)
    parts = []
    if reached:
        channels = sorted({c for page in reached for c in page.channels}, key=_channel_rank)
        parts.append(f"{len(reached)} nået" + (f" ({', '.join(map(channel_name, channels))})" if channels else ""))
    if waiting:
        parts.append(f"{len(waiting)} ikke nået endnu: {', '.join(person_name(plan, p.person) for p in waiting)}")
    if unreachable:
        parts.append(f"{len(unreachable)} kan ikke nås: " + "; ".join(_unreachable(plan, p) for p in unreachable))
    count = "1 person" if len(pages) == 1 else f"{len(pages)} personer"
    return f"{HEADINGS[purpose]} til {count}: {', '.join(parts)}"


def _unreachable(plan: Plan, page: WavePage) -> str:
    """``Henrik Jebjerg Mogensen – opkald: ikke taget, sms: planen har intet mobilnummer til personen``."""
    failures = [f"{channel_name(channel)}: {reason}" for channel, reason in sorted(page.failures.items(), key=lambda f: _channel_rank(f[0]))]
    why = ", ".join(failures) if failures else DELIVERY_STATES[page.lost] if page.lost else ""
    return f"{person_name(plan, page.person)} – {why}" if why else person_name(plan, page.person)


def _channel_rank(channel: str) -> tuple[int, str]:
    """Teams, feed, mail, sms, call first, in that order; then a contact made outside Krisebot (telefon …)."""
    return (CHANNEL_ORDER.index(channel), "") if channel in CHANNEL_ORDER else (len(CHANNEL_ORDER), channel)
