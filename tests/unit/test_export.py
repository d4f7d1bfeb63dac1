"""The exported logbog: complete, human readable, stable, and safe to open whatever people typed."""

import html
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    Event,
    EventPayload,
    LevelChanged,
    LogEntryAdded,
    LogEntryKind,
    MeetingPlaceChanged,
    PageFailed,
    PagePurpose,
    PageSent,
    PagesRequested,
    RequestedPage,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from bot.plan import load_plan
from bot.render.export import APPENDIX, event_sentence, logbog_html, logbog_markdown
from bot.render.log_lines import log_line
from bot.resources import default_plan_path
from tests.crisis_story import Step, recorded
from tests.markdown import EVIL, links, visible

PLAN = load_plan(default_plan_path())
CRISIS = "K-2025-001"
WINTER = datetime(2025, 1, 15, 7, 2, tzinfo=timezone.utc)  # 08:02 in Copenhagen (+01:00)
SUMMER = datetime(2025, 7, 15, 6, 2, tzinfo=timezone.utc)  # 08:02 in Copenhagen (+02:00)


def crisis(start: datetime, description: str = "Mailserveren svarer ikke") -> list[Event]:
    """A whole crisis through every kind of event, as the lifecycle records it; ``start`` is the alarm."""
    meeting = start + timedelta(minutes=58)
    steps: list[Step] = [
        (0, "lak", AlarmRaised(source="brugere", deliveries=["o365", "it-infrastruktur"], description=description, reporter="lak")),
        (1, "system", PageSent(person="cvo", roles=["it"], purpose=PagePurpose.TRIAGE, channel="teams", provider_id="123")),
        (95, "cvo", Acknowledged(person="cvo", roles=["it"], via="teams")),
        (240, "cvo", Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Hele O365 er nede")),
        (241, "system", PageSent(person="jesper", roles=["kriseleder"], purpose=PagePurpose.DIRECTOR, channel="sms", provider_id="gw-9")),
        (400, "jesper", Acknowledged(person="jesper", roles=["kriseleder"], via="sms")),
        (420, "jesper", DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=meeting, note="Alle møder op")),
        (421, "system", PageSent(person="jesper", roles=["kriseleder"], purpose=PagePurpose.SUMMONS, channel="sms")),
        (421, "system", PageSent(person="cvo", roles=["situationsbillede", "it"], purpose=PagePurpose.SUMMONS, channel="teams")),
        (421, "system", PageSent(person="hjm", roles=["okonomi"], purpose=PagePurpose.SUMMONS, channel="teams")),
        (422, "system", PageFailed(person="lak", roles=["kommunikation"], purpose=PagePurpose.SUMMONS, channel="teams", reason="ingen samtale")),
        (423, "system", PageSent(person="lak", roles=["kommunikation"], purpose=PagePurpose.SUMMONS, channel="sms")),
        (500, "cvo", Acknowledged(person="cvo", roles=["situationsbillede", "it"], via="teams")),
        (500, "cvo", SummonsAnswered(person="cvo", coming=True, eta="15 min")),
        (530, "hjm", Acknowledged(person="hjm", roles=["okonomi"], via="teams")),
        (530, "hjm", SummonsAnswered(person="hjm", coming=False)),
        (600, "jesper", MeetingPlaceChanged(place="it-undervisningslokale")),
        (900, "jesper", LevelChanged(level="kommune", contacts=["jesper", "cvo"])),
        (1000, "cvo", LogEntryAdded(kind=LogEntryKind.HANDLING, text="Leverandøren er kontaktet")),
        (1100, "jesper", LogEntryAdded(kind=LogEntryKind.BESLUTNING, text="Borgerservice lukker i dag")),
        (1200, "cvo", LogEntryAdded(kind=LogEntryKind.UNDLADELSE, text="Pressen orienteres ikke endnu")),
        (7200, "jesper", CrisisClosed(note="O365 kører igen")),
    ]
    return recorded(CRISIS, start, steps)


def later(seq: int, actor: str, payload: EventPayload) -> Event:
    """An event appended to the winter crisis after it closed."""
    return Event(seq=seq, at=WINTER + timedelta(hours=3), crisis_id=CRISIS, actor=actor, payload=payload)


EXPECTED = [  # the event column, in order
    "Alarm fra Brugere af kritiske systemer; berørte leverancer: O365, IT-infrastruktur; anmelder: Lisbeth Kusk – «Mailserveren svarer ikke»",
    "Alarmeret Claus Vagn Ohrt (Ansvarlig for IT og Digitalisering) via Teams (id 123) – vurdering af alarm",
    "Kvitteret af Claus Vagn Ohrt for ansvarlig for IT og Digitalisering via Teams",
    "Vurdering: Underret kommunaldirektøren – «Hele O365 er nede»",
    "Alarmeret Jesper Thyrring Møller (Kriseleder) via sms (id gw-9) – beslutning om kriseberedskab",
    "Kvitteret af Jesper Thyrring Møller for kriseleder via sms",
    "Beslutning: Aktivér kriseberedskab, møde kl. 09:00 – «Alle møder op»",
    "Alarmeret Jesper Thyrring Møller (Kriseleder) via sms – indkaldelse",
    "Alarmeret Claus Vagn Ohrt (Ansvarlig for situationsbillede, log og dokumentation; Ansvarlig for IT og Digitalisering) via Teams – indkaldelse",
    "Alarmeret Henrik Jebjerg Mogensen (Ansvarlig for økonomi) via Teams – indkaldelse",
    "Alarmering af Lisbeth Kusk (Ansvarlig for kommunikation) kunne ikke sendes via Teams – indkaldelse: ingen samtale",
    "Alarmeret Lisbeth Kusk (Ansvarlig for kommunikation) via sms – indkaldelse",
    "Kvitteret af Claus Vagn Ohrt for ansvarlig for situationsbillede, log og dokumentation; ansvarlig for IT og Digitalisering via Teams",
    "Svar på indkaldelse fra Claus Vagn Ohrt: Kommer, ankomst ca. kl. 08:25 (15 min)",
    "Kvitteret af Henrik Jebjerg Mogensen for ansvarlig for økonomi via Teams",
    "Svar på indkaldelse fra Henrik Jebjerg Mogensen: Kommer ikke",
    "Mødested ændret til IT-undervisningslokale, Peter Bangsvej 13, 7600 Struer",
    "Niveau ændret til kommuneniveau; kontaktpersoner ind i øverste krisestab: Jesper Thyrring Møller, Claus Vagn Ohrt",
    "Logbog (handling): Leverandøren er kontaktet",
    "Logbog (beslutning): Borgerservice lukker i dag",
    "Logbog (undladelse): Pressen orienteres ikke endnu",
    "Krisen afsluttet – «O365 kører igen»",
]


def section(markdown: str, heading: str) -> list[list[str]]:
    """The body rows of the Markdown table under ``## heading``, split into cells."""
    block = markdown.split(f"## {heading}\n\n", 1)[1].split("\n\n", 1)[0]
    return [cells(line) for line in block.splitlines()[2:]]


def cells(line: str) -> list[str]:
    """A GFM table row's cells, honouring ``\\|`` escapes."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line[1:-1])]


def test_the_markdown_lists_every_event_in_order_with_copenhagen_winter_time() -> None:
    rows = section(logbog_markdown(PLAN, crisis(WINTER)), "Hændelser")

    assert [row[0] for row in rows] == [str(n) for n in range(1, 23)]
    assert [row[4] for row in rows] == EXPECTED
    assert rows[0][1] == "2025-01-15 08:02:00 +01:00"
    assert rows[2][1:4] == ["2025-01-15 08:03:35 +01:00", "Claus Vagn Ohrt (Afdelingsleder for IT og Digitalisering)", "Teams"]
    assert rows[1][2:4] == ["system", "Teams"]
    assert [row[3] for row in rows[10:12]] == ["Teams", "sms"]
    assert rows[6][3] == "–"


def test_summer_times_carry_the_summer_offset() -> None:
    markdown = logbog_markdown(PLAN, crisis(SUMMER))

    assert section(markdown, "Hændelser")[0][1] == "2025-07-15 08:02:00 +02:00"
    assert "+01:00" not in markdown


def test_the_overview_names_everything_from_the_plan() -> None:
    overview = dict(section(logbog_markdown(PLAN, crisis(WINTER)), "Sammenfatning"))

    assert overview["Krise"] == CRISIS
    assert overview["Plan"] == "Intern Service - Kritiske leverancer"
    assert overview["Kilde"] == "Brugere af kritiske systemer"
    assert overview["Berørte leverancer"] == "O365, IT-infrastruktur"
    assert overview["Beskrivelse"] == "Mailserveren svarer ikke"
    assert overview["Niveau"] == "Kommuneniveau"
    assert overview["Fase"] == "Afsluttet"
    assert overview["Mødested"] == "IT-undervisningslokale, Peter Bangsvej 13, 7600 Struer"
    assert overview["Mødetidspunkt"] == "2025-01-15 09:00:00 +01:00"
    assert overview["Åbnet"] == "2025-01-15 08:02:00 +01:00"
    assert overview["Afsluttet"] == "2025-01-15 10:02:00 +01:00"


def test_the_summary_shows_who_was_paged_and_how_long_they_took_to_acknowledge() -> None:
    pages = section(logbog_markdown(PLAN, crisis(WINTER)), "Alarmeringer")

    triage, director, *summons = pages
    assert triage == [
        "Claus Vagn Ohrt", "Ansvarlig for IT og Digitalisering", "vurdering af alarm", "2025-01-15 08:02:01 +01:00",
        "teams", "–", "2025-01-15 08:03:35 +01:00", "teams", "01:34",
    ]
    assert director[-1] == "02:39"
    assert [(row[0], row[6]) for row in summons] == [
        ("Jesper Thyrring Møller", "ikke kvitteret"),
        ("Claus Vagn Ohrt", "2025-01-15 08:10:20 +01:00"),
        ("Henrik Jebjerg Mogensen", "2025-01-15 08:10:50 +01:00"),
        ("Lisbeth Kusk", "ikke kvitteret"),
    ]
    assert summons[1][1] == "Ansvarlig for situationsbillede, log og dokumentation; Ansvarlig for IT og Digitalisering"
    assert summons[1][7:] == ["teams", "01:19"]
    assert summons[3][4:6] == ["sms", "teams: ingen samtale"]


def test_the_summary_lists_each_answer_to_the_summons() -> None:
    answers = section(logbog_markdown(PLAN, crisis(WINTER)), "Svar på indkaldelse")

    assert answers == [
        ["Jesper Thyrring Møller", "–", "intet svar"],
        ["Claus Vagn Ohrt", "2025-01-15 08:10:20 +01:00", "Kommer, ankomst ca. kl. 08:25 (15 min)"],
        ["Henrik Jebjerg Mogensen", "2025-01-15 08:10:50 +01:00", "Kommer ikke"],
        ["Lisbeth Kusk", "–", "intet svar"],
    ]


def test_the_html_appendix_has_every_event_in_order_with_names_and_local_times() -> None:
    page = logbog_html(PLAN, crisis(WINTER)).split(APPENDIX, 1)[1]

    positions = [page.index(f"<td>{html.escape(text)}</td>") for text in EXPECTED]
    assert positions == sorted(positions)
    assert "<td>2025-01-15 08:02:00 +01:00</td>" in page
    assert "<td>Claus Vagn Ohrt (Afdelingsleder for IT og Digitalisering)</td>" in page
    assert "<td>01:34</td>" in page


def test_the_html_is_one_self_contained_printable_danish_page() -> None:
    page = logbog_html(PLAN, crisis(SUMMER))

    assert page.startswith('<!DOCTYPE html>\n<html lang="da">')
    assert '<meta charset="utf-8">' in page
    assert "@media print" in page and "<table>" in page
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)=|@import|url\(", page)


MALICIOUS = "<script>alert(1)</script> a | b\nc & \\| d"


def test_user_text_is_escaped_in_html() -> None:
    page = logbog_html(PLAN, crisis(WINTER, description=MALICIOUS))

    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; a | b\nc &amp; \\| d" in page


def test_user_text_cannot_break_the_markdown_tables() -> None:
    events = crisis(WINTER, description=MALICIOUS)
    events.append(later(23, "teams:29:x|y", LogEntryAdded(kind=LogEntryKind.HANDLING, text="| --- |\n| x | y |\r\n<img src=x>")))
    markdown = logbog_markdown(PLAN, events)

    tables = [block.splitlines() for block in markdown.split("\n\n") if block.startswith("|")]
    assert len(tables) == 8, "summary, participants, timeline, response times, log; appendix: events, pages, answers"
    for header, delimiter, *rows in tables:
        assert delimiter == "|" + " --- |" * len(cells(header))
        assert all(len(cells(row)) == len(cells(header)) for row in rows)
    overview = dict(section(markdown, "Sammenfatning"))
    assert overview["Beskrivelse"] == "\\<script\\>alert(1)\\</script\\> a \\| b<br>c \\& \\\\\\| d"
    last = section(markdown, "Hændelser")[-1]
    assert last[2] == "teams:29:x\\|y"
    assert last[4] == "Logbog (handling): \\| --- \\|<br>\\| x \\| y \\|<br>\\<img src=x\\>"
    assert not re.search(r"(?<!\\)<(script|/script|img)", markdown)


def test_markdown_in_user_text_reads_as_typed_in_both_exports() -> None:
    events = crisis(WINTER, description=EVIL)
    events.append(later(23, "cvo", LogEntryAdded(kind=LogEntryKind.HANDLING, text=EVIL)))

    markdown = logbog_markdown(PLAN, events)
    assert links(markdown) == []
    assert visible(markdown).count(EVIL) == 6, "the summary; the alarm (timeline, log, appendix); the entry (log, appendix)"
    page = logbog_html(PLAN, events)
    assert "<a " not in page and "<b>" not in page
    assert html.unescape(re.sub(r"<[^>]*>", "", page)).count(EVIL) == 6, "the timeline's alarm as its tooltip"


def test_a_log_channel_line_shows_user_text_as_typed() -> None:
    alarm, *_ = crisis(WINTER, description=EVIL)
    entry = later(23, "cvo", LogEntryAdded(kind=LogEntryKind.HANDLING, text=EVIL))

    for event in (alarm, entry):
        line = log_line(PLAN, event)
        assert links(line) == []
        assert visible(line) == f"{event.at.astimezone(ZoneInfo('Europe/Copenhagen')):%H:%M} · {line_actor(event)}: {event_sentence(PLAN, event)}"
        assert EVIL in visible(line)


def line_actor(event: Event) -> str:
    person = PLAN.person_by_id[event.actor]
    return f"{person.name} ({person.title})"


def test_the_same_events_give_byte_identical_output() -> None:
    events = crisis(WINTER)

    assert logbog_markdown(PLAN, events).encode() == logbog_markdown(PLAN, list(events)).encode()
    assert logbog_html(PLAN, events).encode() == logbog_html(PLAN, [e.model_copy() for e in events]).encode()


def test_only_one_crisis_can_be_exported() -> None:
    events = crisis(WINTER)
    stray = events[-1].model_copy(update={"seq": 99, "crisis_id": "K-2025-002"})

    for export in (logbog_markdown, logbog_html):
        with pytest.raises(ValueError):
            export(PLAN, [])
        with pytest.raises(ValueError):
            export(PLAN, [*events, stray])
        with pytest.raises(ValueError):
            export(PLAN, [e.model_copy(update={"crisis_id": None}) for e in events])


def test_ids_the_plan_no_longer_knows_are_printed_raw() -> None:
    events = crisis(WINTER)
    events += [
        later(23, "gone", PageSent(person="gone", roles=["old-role"], purpose=PagePurpose.INFORM, channel="mail")),
        later(24, "gone", MeetingPlaceChanged(place="old-place")),
        later(25, "person:cvo", LogEntryAdded(kind=LogEntryKind.HANDLING, text="Plan opdateret")),
    ]

    rows = section(logbog_markdown(PLAN, events), "Hændelser")

    assert rows[-3][2:] == ["gone", "mail", "Alarmeret gone (old-role) via mail – underretning"]
    assert rows[-2][4] == "Mødested ændret til old-place"
    assert rows[-1][2] == "Claus Vagn Ohrt (Afdelingsleder for IT og Digitalisering)"
    assert "gone" in logbog_html(PLAN, events)


def test_a_page_request_names_each_holder_by_purpose_and_counts_a_crowd() -> None:
    few = PagesRequested(pages=[
        RequestedPage(person="jesper", roles=["kriseleder"], purpose=PagePurpose.SUMMONS),
        RequestedPage(person="cvo", roles=["situationsbillede", "it"], purpose=PagePurpose.SUMMONS),
        RequestedPage(person="emilbc", roles=[], purpose=PagePurpose.INFORM),
    ])
    crowd = PagesRequested(pages=[RequestedPage(person=f"p{n}", roles=[], purpose=PagePurpose.SUMMONS) for n in range(200)])

    assert event_sentence(PLAN, later(30, "jesper", few)) == (
        "Alarmering bestilt – indkaldelse: Jesper Thyrring Møller (Kriseleder), Claus Vagn Ohrt (Ansvarlig for "
        "situationsbillede, log og dokumentation; Ansvarlig for IT og Digitalisering); underretning: Emil B. Christensen"
    )
    assert event_sentence(PLAN, later(31, "jesper", crowd)) == "Alarmering bestilt – indkaldelse: 200 personer"
