"""The exported logbog of one crisis, as Markdown and as a self-contained HTML file; and likewise the SMS kept
outside any crisis (``sms_record_document``).

Pure: the export reads only the crisis's events (and the plan, for names), never a clock,
so the same events always give byte-identical output. Whether the logbog it was made from is
complete is the store's to find (``Store.numbering``); the caller passes the answer in and the
export states it at the top. Both formats render the same ``Document``: the statement, then the
story for an evaluation (summary, who took part, the timeline — a picture in HTML, a table in
Markdown —, response times, the log as people lived it), then every detail as an appendix
(every event, the pages, the answers, the external participants). The export is Danish: it is
the record kept for aktindsigt and the case file.
"""

import html
from dataclasses import dataclass
from datetime import datetime

from ..clock import LOCAL_TIME
from ..core.events import (
    Acknowledged,
    AlarmRaised,
    AlarmReported,
    AlarmStatus,
    ArrivalRecorded,
    BreakerChanged,
    ContactAnswer,
    ContactMethod,
    ContactRecorded,
    CrisisClosed,
    DeliveryState,
    DirectorDecided,
    DirectorDecision,
    Escalated,
    EscalationRequested,
    Event,
    ExternalAnswered,
    ExternalContacted,
    ExternalStatus,
    ExternalSummoned,
    LevelChanged,
    LogEntryAdded,
    MeetingPlaceChanged,
    PageDeliveryReported,
    RoleUncovered,
    PageFailed,
    PagePurpose,
    PageSent,
    PagesRequested,
    RequestedPage,
    SmsReceived,
    CallReported,
    CallStatus,
    KeyPressed,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from ..core.lifecycle import current_level, current_meeting_place
from ..core.state import CrisisState, ExternalContact, Page, Phase, fold
from ..plan.contact import Channel
from ..plan.models import Person, Plan
from ..store.numbering import Numbering
from .completeness import completeness
from .human import is_human
from .names import channel_name, delivery_names, external_name, level_name, person_name, place_text, role_names, source_name
from .moments import hours_minutes, minutes_seconds, stated_arrival, timestamp
from .participants import COLUMNS as PARTICIPANT_COLUMNS, participant_rows
from .plain import literal
from .reporters import reporter_name
from .response_times import COLUMNS as RESPONSE_COLUMNS, response_rows
from .timeline import table_rows, timeline
from .timeline_svg import timeline_svg

NONE = "–"
UNVERIFIED = "ubekræftet afsender"
"""Who texted from a number the plan does not name."""

PHASES = {
    Phase.TRIAGE: "Vurdering af alarm",
    Phase.DIRECTOR: "Afventer kriselederens beslutning",
    Phase.ACTIVATED: "Kriseberedskab aktiveret",
    Phase.DISMISSED: "Afsluttet uden aktivering",
    Phase.CLOSED: "Afsluttet",
}
# Role names are joined with semicolons: one role name already holds commas.
ROLES_JOIN = "; "
PURPOSES = {
    PagePurpose.TRIAGE: "vurdering af alarm",
    PagePurpose.DIRECTOR: "beslutning om kriseberedskab",
    PagePurpose.SUMMONS: "indkaldelse",
    PagePurpose.INFORM: "underretning",
    PagePurpose.TOP_STAFF: "kontakt til øverste krisestab",
    PagePurpose.MEETING_MOVED: "flyttet mødested",
    PagePurpose.MONITORING: "besked fra overvågningen",
    PagePurpose.UNCOVERED: "ingen har kvitteret for en rolle",
    PagePurpose.EXTERNAL: "indkaldelse af ekstern deltager",
    PagePurpose.NOT_CRITICAL: "besked om, at alarmen ikke er kritisk",
    PagePurpose.STAND_DOWN: "besked om, at krisen er afsluttet",
}
NAMED_AT_MOST = 12  # a request for more people is logged as a count (each page's own event names them)
DELIVERY_STATES = {
    DeliveryState.DELIVERED: "leveret",
    DeliveryState.UNDELIVERABLE: "kunne ikke leveres",
    DeliveryState.EXPIRED: "udløbet uden at blive leveret",
    DeliveryState.UNANSWERED: "opkaldene blev ikke besvaret med en tast på nogen af numrene",
    DeliveryState.UNREACHABLE: "personen kunne ikke nås på nogen kanal",
}
CALL_STATES = {
    CallStatus.RINGING: "det ringer",
    CallStatus.ANSWERED: "taget",
    CallStatus.COMPLETED: "afsluttet",
    CallStatus.NO_ANSWER: "ikke taget",
    CallStatus.BUSY: "optaget",
    CallStatus.FAILED: "kunne ikke gennemføres",
    CallStatus.VOICEMAIL: "telefonsvarer – tæller ikke som kvittering",
}
CONTACT_METHODS = {
    ContactMethod.TELEFON: "pr. telefon",
    ContactMethod.PERSONLIGT: "personligt",
    ContactMethod.MAIL: "pr. mail",
    ContactMethod.SMS: "pr. sms",
}
"""How a contact outside Krisebot was made, as in «kontaktet pr. telefon»."""
EXTERNAL_STATES = {ExternalStatus.KONTAKTET: "kontaktet", ExternalStatus.TILKALDT: "tilkaldt"}
DEPENDENCIES = {"entra": "Entra-login", "graph": "Microsoft Graph", "connector": "Teams (Bot Connector)"}
TRIAGE_DECISIONS = {
    TriageDecision.INFORM_DIRECTOR: "Underret kommunaldirektøren",
    TriageDecision.NOT_CRITICAL: "Ikke kritisk",
}
DIRECTOR_DECISIONS = {
    DirectorDecision.ACTIVATE: "Aktivér kriseberedskab",
    DirectorDecision.INFORM_MANAGEMENT: "Underret ledelsen",
    DirectorDecision.NO_ACTION: "Ingen handling",
}

EXTERNAL_COLUMNS = ("Deltager", "Status", "Registreret af", "Tidspunkt", "Bemærkning", "Deltagerens svar")
EVENT_COLUMNS = ("Nr.", "Tidspunkt", "Aktør", "Kanal", "Hændelse")
TIMELINE_COLUMNS = ("Tidspunkt", "Spor", "Person", "Markering", "Hændelse")
COMPLETENESS = "Fuldstændighed:"
APPENDIX = "Bilag: teknisk logbog"
PAGE_COLUMNS = (
    "Person", "Roller", "Formål", "Først alarmeret", "Kanaler", "Fejl", "Kvitteret", "Kvitteret via", "Tid til kvittering"
)


@dataclass(frozen=True, slots=True)
class Table:
    """One section of the export: a heading and a table of plain-text cells."""

    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Picture:
    """A section drawn in HTML (inline SVG, ``svg``) and given as its ``table`` in Markdown."""

    svg: str
    table: Table


@dataclass(frozen=True, slots=True)
class Document:
    """What both formats show: a title, the plan's title under it, a statement (if any), the sections in order,
    and the appendix's tables (if any) under ``APPENDIX``."""

    title: str
    subtitle: str
    tables: tuple[Table | Picture, ...]
    statement: str = ""
    appendix: tuple[Table, ...] = ()


def logbog_markdown(plan: Plan, events: list[Event], *, numbering: Numbering | None = None) -> str:
    """The logbog of one crisis as GitHub-flavoured Markdown; ``numbering``: as ``logbog_document``."""
    return markdown(logbog_document(plan, events, numbering=numbering))


def logbog_html(plan: Plan, events: list[Event], *, numbering: Numbering | None = None) -> str:
    """The logbog of one crisis as one printable HTML file; ``numbering``: as ``logbog_document``."""
    return html_file(logbog_document(plan, events, numbering=numbering))


def markdown(doc: Document) -> str:
    """``doc`` as GitHub-flavoured Markdown: a picture as its table."""
    parts = [f"# {_md(doc.title)}", _md(doc.subtitle)]
    if doc.statement:
        parts.append(f"**{COMPLETENESS}** {_md(doc.statement)}")
    for part in doc.tables:
        table = part.table if isinstance(part, Picture) else part
        parts += [f"## {_md(table.heading)}", _md_table(table)]
    if doc.appendix:
        parts.append(f"## {APPENDIX}")
    for table in doc.appendix:
        parts += [f"### {_md(table.heading)}", _md_table(table)]
    return "\n\n".join(parts) + "\n"


def html_file(doc: Document) -> str:
    """``doc`` as one printable HTML file: inline CSS and SVG, no scripts, no external resources."""
    body = [f"<h1>{_h(doc.title)}</h1>", f"<p>{_h(doc.subtitle)}</p>"]
    if doc.statement:
        body.append(f'<p class="statement"><strong>{COMPLETENESS}</strong> {_h(doc.statement)}</p>')
    for part in doc.tables:
        if isinstance(part, Picture):
            body += [f"<h2>{_h(part.table.heading)}</h2>", f'<figure class="picture">{part.svg}</figure>']
        else:
            body += [f"<h2>{_h(part.heading)}</h2>", _html_table(part)]
    if doc.appendix:
        body.append(f'<h2 class="appendix">{APPENDIX}</h2>')
    for table in doc.appendix:
        body += [f"<h3>{_h(table.heading)}</h3>", _html_table(table)]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="da">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_h(doc.title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def logbog_document(plan: Plan, events: list[Event], *, numbering: Numbering | None = None) -> Document:
    """The export's content in ``seq`` order, for any format. Raises ValueError unless ``events`` is one crisis.

    ``numbering`` is how the store found the logbog numbered when the events were read (``Store.numbering``);
    without it the export says that nobody checked whether the logbog is complete."""
    events = sorted(events, key=lambda event: event.seq)
    crisis_ids = list(dict.fromkeys(event.crisis_id for event in events))
    if not events:
        raise ValueError("ingen hændelser at eksportere")
    if len(crisis_ids) != 1 or crisis_ids[0] is None:
        raise ValueError(f"hændelserne skal høre til én krise, ikke {crisis_ids}")
    state = fold(events)
    story = timeline(plan, state, events, lambda event: event_sentence(plan, event))
    tables: tuple[Table | Picture, ...] = (
        Table("Sammenfatning", ("Felt", "Værdi"), _overview(plan, state, events)),
        Table("Deltagere", PARTICIPANT_COLUMNS, participant_rows(plan, state, events)),
        Picture(timeline_svg(story, f"Tidslinje for krise {state.id}"), Table("Tidslinje", TIMELINE_COLUMNS, table_rows(story))),
        Table("Svartider", RESPONSE_COLUMNS, response_rows(plan, state, events)),
        Table("Forløb", EVENT_COLUMNS, tuple(_event_row(plan, event) for event in events if is_human(event))),
    )
    appendix = (
        Table("Hændelser", EVENT_COLUMNS, tuple(_event_row(plan, event) for event in events)),
        Table("Alarmeringer", PAGE_COLUMNS, tuple(_page_row(plan, page) for page in state.pages)),
        Table("Svar på indkaldelse", ("Person", "Tidspunkt", "Svar"), _answer_rows(plan, state, events)),
        Table("Eksterne deltagere", EXTERNAL_COLUMNS, _external_rows(plan, state)),
    )
    return Document(
        f"Logbog for krise {state.id}", plan.organisation.title,
        tuple(t for t in tables if isinstance(t, Picture) or t.rows), completeness(events, numbering),
        tuple(t for t in appendix if t.rows),
    )


def sms_record_document(plan: Plan, events: list[Event]) -> Document:
    """The SMS kept outside any crisis (``Store.events_outside_crises``), each word for word with what it did."""
    rows = tuple(_event_row(plan, event) for event in sorted(events, key=lambda event: event.seq))
    return Document("Sms uden for en krise", plan.organisation.title, (Table("Hændelser", EVENT_COLUMNS, rows),))


# ── content ─────────────────────────────────────────────────────────────────────────


def _overview(plan: Plan, state: CrisisState, events: list[Event]) -> tuple[tuple[str, str], ...]:
    meeting_at = timestamp(state.meeting_at) if state.meeting_at else NONE
    return (
        ("Krise", state.id),
        ("Organisation", f"{plan.organisation.name}, {plan.organisation.unit}"),
        ("Plan", plan.organisation.title),
        ("Kilde", source_name(plan, state.source)),
        ("Berørte leverancer", delivery_names(plan, state.deliveries) or NONE),
        ("Beskrivelse", state.description),
        ("Rejst af", actor_name(plan, state.raised_by)),
        ("Fase", PHASES[state.phase]),
        ("Niveau", level_name(plan, current_level(plan, state))),
        ("Mødested", place_text(plan, current_meeting_place(plan, state))),
        ("Mødetidspunkt", meeting_at),
        ("Åbnet", timestamp(state.opened_at)),
        ("Afsluttet", timestamp(state.closed_at) if state.closed_at else "ikke afsluttet"),
        ("Varighed", _duration(state, events[-1].at)),
        ("Antal hændelser", str(len(events))),
    )


def _duration(state: CrisisState, last: datetime) -> str:
    """``2 t 0 min``; for an open crisis, ``ikke afsluttet – 45 min til seneste hændelse``."""
    if state.closed_at:
        return hours_minutes(state.closed_at - state.opened_at)
    return f"ikke afsluttet – {hours_minutes(last - state.opened_at)} til seneste hændelse"


def _escalated_to(plan: Plan, role_id: str, stage: int, people: list[str]) -> str:
    """``eskaleret til første stedfortræder: Peter Knudsen; Claus Vagn Ohrt kaldes igen``: the role's primary,
    alarmed again beside the deputies, is not named as one of them."""
    role = plan.role_by_id.get(role_id)
    again = [p for p in people if role is not None and p == role.primary]
    reached = [p for p in people if p not in again]
    reach = "første stedfortræder" if stage == 1 else "alle i kæden"
    sentence = f"eskaleret til {reach}: {_names(plan, reached)}" if reached else f"eskaleret til {reach}"
    return sentence + (f"; {_names(plan, again)} kaldes igen" if again else "")


def _event_row(plan: Plan, event: Event) -> tuple[str, ...]:
    return (str(event.seq), timestamp(event.at), actor_name(plan, event.actor), _channel(event), event_sentence(plan, event))


def _channel(event: Event) -> str:
    match event.payload:
        case PageSent(channel=channel) | PageFailed(channel=channel) | PageDeliveryReported(channel=channel):
            return channel_name(channel)
        case Acknowledged(via=via) | ExternalAnswered(via=via):
            return channel_name(via)
        case SmsReceived():
            return channel_name(Channel.SMS)
        case CallReported() | KeyPressed():
            return channel_name(Channel.VOICE)
        case ContactRecorded(how=how):
            return how.value
    return NONE


def event_sentence(plan: Plan, event: Event) -> str:
    """One Danish sentence that says everything the event records."""
    match event.payload:
        case AlarmRaised() as alarm:
            return _alarm_sentence(plan, alarm)
        case AlarmReported(status=AlarmStatus.RESOLVED, text=text):
            return f"Overvågningen melder alarmen afklaret (krisen er stadig åben) – «{text}»"
        case AlarmReported(text=text):
            return f"Overvågningen melder alarmen igen – «{text}»"
        case PagesRequested(pages=pages):
            return f"Alarmering bestilt – {_requested(plan, pages)}"
        case PageSent(person=person, roles=roles, purpose=purpose, channel=channel, provider_id=provider_id):
            reference = f" (id {provider_id})" if provider_id else ""
            return f"Alarmeret {_holder(plan, person, roles)} via {channel_name(channel)}{reference} – {PURPOSES[purpose]}"
        case PageFailed(person=person, roles=roles, purpose=purpose, channel=channel, reason=reason):
            who = _holder(plan, person, roles)
            return f"Alarmering af {who} kunne ikke sendes via {channel_name(channel)} – {PURPOSES[purpose]}: {reason}"
        case Acknowledged(person=person, roles=roles, via=via):
            return f"Kvitteret af {person_name(plan, person)} for {role_names(plan, roles, ROLES_JOIN, in_sentence=True)} via {channel_name(via)}"
        case Escalated(role=role, purpose=purpose, stage=stage, people=people):
            return (
                f"Ingen har kvitteret for {role_names(plan, [role], ROLES_JOIN, in_sentence=True)} – {PURPOSES[purpose]}: "
                + _escalated_to(plan, role, stage, people)
            )
        case RoleUncovered(role=role, purpose=purpose):
            return (
                f"Ingen har kvitteret for {role_names(plan, [role], ROLES_JOIN, in_sentence=True)} – {PURPOSES[purpose]}: "
                "alle i kæden er prøvet"
            )
        case EscalationRequested():
            return "Eskaleret manuelt: alle i kæden kaldes for de roller, der ikke har kvitteret"
        case Triaged(decision=decision, assessment=assessment):
            return f"Vurdering: {TRIAGE_DECISIONS[decision]}" + _quoted(assessment)
        case DirectorDecided() as decided:
            return _decision_sentence(plan, decided, event.at)
        case SummonsAnswered(person=person, coming=coming, eta=eta):
            return f"Svar på indkaldelse fra {person_name(plan, person)}: {_answer(coming, eta, event.at)}"
        case ContactRecorded(person=person, how=how, answer=answer, eta=eta):
            return (
                f"{person_name(plan, event.actor)} registrerede: {person_name(plan, person)} kontaktet "
                f"{CONTACT_METHODS[how]} — {_contact_answer(answer, eta)}"
            )
        case ArrivalRecorded(person=person):
            return f"{person_name(plan, person)} er ankommet til mødestedet"
        case ExternalContacted(external=external, status=status, note=note):
            return f"{external_name(plan, external)} {EXTERNAL_STATES[status]}" + _quoted(note)
        case ExternalSummoned(external=external, note=note):
            return f"{external_name(plan, external)} indkaldes af Krisebot" + _quoted(note)
        case ExternalAnswered(external=external, coming=coming, eta=eta, via=via):
            return f"Svar på indkaldelse fra {external_name(plan, external)} via {channel_name(via)}: {_answer(coming, eta, event.at)}"
        case MeetingPlaceChanged(place=place):
            return f"Mødested ændret til {place_text(plan, place)}"
        case LevelChanged(level=level, contacts=contacts):
            named = f"; kontaktpersoner ind i øverste krisestab: {_names(plan, contacts)}" if contacts else ""
            return f"Niveau ændret til {level_name(plan, level, in_sentence=True)}{named}"
        case LogEntryAdded(kind=kind, text=text):
            return f"Logbog ({kind.value}): {text}"
        case CrisisClosed(note=note):
            return "Krisen afsluttet" + _quoted(note)
        case PageDeliveryReported(person=person, roles=roles, purpose=purpose, channel=channel, provider_id=pid, status=status):
            outcome = DELIVERY_STATES[status] + (" – eskaleres straks" if status.lost and roles else "")
            reference = f" (id {pid})" if pid else ""
            return f"Alarmering af {_holder(plan, person, roles)} via {channel_name(channel)}{reference} – {PURPOSES[purpose]}: {outcome}"
        case SmsReceived(person=person, number=number, text=text, outcome=outcome):
            sender = person_name(plan, person) if person else UNVERIFIED
            return f"Sms fra {sender} ({number}): «{text}» – {outcome}"
        case CallReported(person=person, roles=roles, purpose=purpose, number=number, status=status, detail=detail):
            said = f" ({detail})" if detail else ""
            return f"Opkald til {_holder(plan, person, roles)} på {number} – {PURPOSES[purpose]}: {CALL_STATES[status]}{said}"
        case KeyPressed(person=person, number=number, digits=digits, outcome=outcome):
            return f"{person_name(plan, person)} tastede {digits} i opkaldet til {number} – {outcome}"
        case BreakerChanged(dependency=dependency, open=is_open, reason=reason):
            name = DEPENDENCIES.get(dependency, dependency)
            if is_open:
                return f"{name} svarer ikke ({reason}): alarmeringer sendes nu også som sms"
            return f"{name} svarer igen"
    raise ValueError(f"ukendt hændelse {event.payload.type}")


def _alarm_sentence(plan: Plan, alarm: AlarmRaised) -> str:
    parts = [f"Alarm fra {source_name(plan, alarm.source)}"]
    if alarm.deliveries:
        parts.append(f"berørte leverancer: {delivery_names(plan, alarm.deliveries)}")
    if alarm.reporter:
        parts.append(f"anmelder: {person_name(plan, alarm.reporter)}")
    if alarm.unverified_sender:
        parts.append(f"{UNVERIFIED} – nummeret er ikke i planen")
    if alarm.outside_reporter:
        parts.append(f"anmelder: {reporter_name(alarm.outside_reporter)}, uden for kriseplanen")
    if alarm.reporter_phone:
        parts.append(f"tlf. {alarm.reporter_phone}")
    return "; ".join(parts) + f" – «{alarm.description}»"


def _decision_sentence(plan: Plan, decided: DirectorDecided, at: datetime) -> str:
    text = f"Beslutning: {DIRECTOR_DECISIONS[decided.decision]}"
    if decided.members:
        guests = {guest.email: guest for guest in decided.guests}
        text += ": " + ", ".join(person_name(plan, member, guests) for member in decided.members)
    if decided.meeting_at:
        text += f", møde {_meeting_time(decided.meeting_at, at)}"
    return text + _quoted(decided.note)


def _meeting_time(meeting_at: datetime, decided_at: datetime) -> str:
    """``kl. 09:00`` on the day of the decision, else with the date."""
    local = meeting_at.astimezone(LOCAL_TIME)
    same_day = local.date() == decided_at.astimezone(LOCAL_TIME).date()
    return f"kl. {local:%H:%M}" if same_day else f"{local:%Y-%m-%d} kl. {local:%H:%M}"


def _answer(coming: bool, eta: str, at: datetime) -> str:
    """``Kommer, ankomst ca. kl. 14:29 (20 min)`` for an arrival in minutes after the answer at ``at`` (local time),
    else as written."""
    if not eta:
        return "Kommer" if coming else "Kommer ikke"
    if not coming:
        return f"Kommer ikke – «{eta}»"
    arrival = stated_arrival(at, eta)
    if arrival is None:
        return f"Kommer, ankomst {eta}"
    return f"Kommer, ankomst ca. kl. {arrival.astimezone(LOCAL_TIME):%H:%M} ({eta})"


def _contact_answer(answer: ContactAnswer, eta: str) -> str:
    """``kvitteret``, ``kommer``, ``kommer, ankomst 20 min`` or ``kommer ikke``."""
    if answer is ContactAnswer.KVITTERET:
        return "kvitteret"
    if answer is ContactAnswer.KOMMER_IKKE:
        return "kommer ikke"
    return f"kommer, ankomst {eta}" if eta else "kommer"


def _external_rows(plan: Plan, state: CrisisState) -> tuple[tuple[str, ...], ...]:
    """Each external participant someone contacted, called in or had Krisebot summon, as last recorded, with its own
    answer to the summons."""
    return tuple(
        (
            external_name(plan, external), _external_status(state, external, c), actor_name(plan, c.actor), timestamp(c.at),
            c.note or NONE, _answer(c.answer.coming, c.answer.eta, c.answer.at) if c.answer else NONE,
        )
        for external, c in state.externals.items()
    )


def _external_status(state: CrisisState, external: str, contact: ExternalContact) -> str:
    """``tilkaldt``, or for Krisebot's summons ``indkaldt via sms, telefon`` (the channels it went on)."""
    if not contact.summoned:
        return EXTERNAL_STATES[contact.status]
    page = state.page(external, PagePurpose.EXTERNAL)
    channels = ", ".join(channel_name(c) for c in page.channels) if page and page.channels else "ikke sendt endnu"
    return f"indkaldt via {channels}"


def _page_row(plan: Plan, page: Page) -> tuple[str, ...]:
    acknowledged, sent = page.acknowledged_at, page.first_sent_at
    return (
        person_name(plan, page.person),
        role_names(plan, page.roles, ROLES_JOIN),
        PURPOSES[page.purpose],
        timestamp(sent) if sent else "ikke sendt",
        ", ".join(page.channels) or NONE,
        "; ".join(page.failures) or NONE,
        timestamp(acknowledged) if acknowledged else "ikke kvitteret",
        page.acknowledged_via or NONE,
        minutes_seconds(acknowledged - sent) if acknowledged and sent else NONE,
    )


def _answer_rows(plan: Plan, state: CrisisState, events: list[Event]) -> tuple[tuple[str, ...], ...]:
    """Every answer of every summoned person, in order; a person who never answered gets one row saying so."""
    answers = [(e, e.payload) for e in events if isinstance(e.payload, SummonsAnswered)]
    paged = [page.person for page in state.pages_for(PagePurpose.SUMMONS)]
    summoned = list(dict.fromkeys([*paged, *(answer.person for _, answer in answers)]))
    rows: list[tuple[str, ...]] = []
    for person in summoned:
        own = [
            (person_name(plan, person), timestamp(e.at), _answer(a.coming, a.eta, e.at)) for e, a in answers if a.person == person
        ]
        rows += own or [(person_name(plan, person), NONE, "intet svar")]
    return tuple(rows)


# ── names from the plan (``bot.render.names``); ids the plan no longer knows print as they are ──


def _requested(plan: Plan, pages: list[RequestedPage]) -> str:
    """``indkaldelse: A (rolle), B (rolle); underretning: C``; a purpose with many people as a count."""
    by_purpose: dict[PagePurpose, list[RequestedPage]] = {}
    for page in pages:
        by_purpose.setdefault(page.purpose, []).append(page)
    parts = []
    for purpose, group in by_purpose.items():
        named = len(group) <= NAMED_AT_MOST
        who = ", ".join(_holder(plan, p.person, p.roles) for p in group) if named else f"{len(group)} personer"
        parts.append(f"{PURPOSES[purpose]}: {who}")
    return "; ".join(parts)


def _names(plan: Plan, person_ids: list[str]) -> str:
    return ", ".join(person_name(plan, p) for p in person_ids)


def actor_name(plan: Plan, actor: str) -> str:
    """``Name (Title)`` for a plan person (``cvo`` or ``person:cvo``), ``Name (ekstern deltager)`` for an external
    participant answering its summons, else the raw actor."""
    recipient = plan.recipient(actor.removeprefix("person:"))
    if recipient is None:
        return actor
    return f"{recipient.name} ({recipient.title if isinstance(recipient, Person) else 'ekstern deltager'})"


def _holder(plan: Plan, person_id: str, role_ids: list[str]) -> str:
    name = person_name(plan, person_id)
    return f"{name} ({role_names(plan, role_ids, ROLES_JOIN)})" if role_ids else name


# ── formatting ──────────────────────────────────────────────────────────────────────


def _quoted(note: str) -> str:
    return f" – «{note}»" if note else ""


def _md(text: str) -> str:
    """Inline Markdown: what could format, link or split a table cell is escaped; lines are joined by ``<br>``."""
    return "<br>".join(literal(line) for line in text.splitlines())


def _md_table(table: Table) -> str:
    delimiter = "|" + " --- |" * len(table.columns)
    return "\n".join([_md_row(table.columns), delimiter, *(_md_row(row) for row in table.rows)])


def _md_row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(_md(cell) for cell in cells) + " |"


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{_h(column)}</th>" for column in table.columns)
    rows = ["<tr>" + "".join(f"<td>{_h(cell)}</td>" for cell in row) + "</tr>" for row in table.rows]
    return "\n".join(["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>", *rows, "</tbody>", "</table>"])


STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:2rem;color:#111}"
    "h1{font-size:1.5rem;margin-bottom:.25rem}"
    "h2{font-size:1.15rem;margin-top:2rem}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}"
    "th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap}"
    "th{background:#eee}"
    "h3{font-size:1rem;margin-top:1.5rem}"
    ".statement{border:1px solid #bbb;border-left:6px solid #555;padding:.5rem .75rem;background:#f7f7f7}"
    ".picture{margin:0}.picture svg{display:block;width:100%;height:auto}"
    "@media print{body{margin:0;font-size:9pt}table{font-size:8pt}"
    "thead{display:table-header-group}tr{break-inside:avoid}h2,h3{break-after:avoid}"
    ".picture{break-inside:avoid}.appendix{break-before:page}}"
    "@page{size:A4 landscape;margin:12mm}"
)
