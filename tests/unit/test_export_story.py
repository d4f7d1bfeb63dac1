"""The export tells the story of a crisis for its evaluation: whether the logbog is complete, a summary, who took
part, a timeline picture (read back here as SVG), the response times, the log people lived, then every detail."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from bot.core.events import Event, LogEntryAdded, LogEntryKind
from bot.render.export import APPENDIX, logbog_html, logbog_markdown
from bot.store import Numbering
from tests.crisis_story import CRISIS, PLAN, START, story
from tests.markdown import EVIL, links, visible

SVG = "{http://www.w3.org/2000/svg}"
SECTIONS = ["Sammenfatning", "Deltagere", "Tidslinje", "Svartider", "Forløb", APPENDIX, "Hændelser", "Alarmeringer", "Svar på indkaldelse"]


def picture(page: str) -> ET.Element:
    """The one ``<svg>`` of an HTML export, parsed as XML (so it must be well-formed)."""
    [svg] = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    return ET.fromstring(svg)


def marks(svg: ET.Element) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(lane, person) → [(kind, local clock time)] of every mark, in the order drawn."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for mark in svg.iter(f"{SVG}g"):
        if "data-kind" in mark.attrib:
            at = mark.attrib["data-at"]
            found.setdefault((mark.attrib["data-lane"], mark.attrib["data-person"]), []).append((mark.attrib["data-kind"], at[11:19]))
    return found


def section(markdown: str, heading: str) -> list[list[str]]:
    """The body rows of the Markdown table under ``## heading``, split into cells (no cell of these holds a ``|``)."""
    block = markdown.split(f"## {heading}\n\n", 1)[1].split("\n\n", 1)[0]
    return [[cell.strip() for cell in line[1:-1].split("|")] for line in block.splitlines()[2:]]


def test_the_timeline_is_printable_svg_with_nothing_that_runs_or_loads() -> None:
    svg = picture(logbog_html(PLAN, story()))

    assert svg.tag == f"{SVG}svg"
    assert svg.attrib["width"] == "100%" and re.fullmatch(r"0 0 1000 \d+", svg.attrib["viewBox"])
    assert svg.find(f"{SVG}title").text == f"Tidslinje for krise {CRISIS}"
    elements = list(svg.iter())
    assert all(element.tag.startswith(SVG) for element in elements)
    assert {element.tag.removeprefix(SVG) for element in elements} <= {"svg", "title", "g", "rect", "line", "text", "path", "circle"}
    attributes = [(name, value) for element in elements for name, value in element.attrib.items()]
    assert not [name for name, _ in attributes if name.lower().startswith("on") or "href" in name.lower()]
    assert not [value for _, value in attributes if "url(" in value or "javascript:" in value.lower()]


def test_the_timeline_has_a_lane_per_role_under_the_crisis_lane() -> None:
    svg = picture(logbog_html(PLAN, story()))

    lanes = [text.text for text in svg.iter(f"{SVG}text") if text.attrib.get("font-weight") == "bold"]
    assert lanes == [
        "Krisen", "Kriseleder", "Ansvarlig for situationsbillede, log og dokumentation",
        "Ansvarlig for IT og Digitalisering", "Ansvarlig for økonomi", "Ansvarlig for kommunikation",
    ]


def test_the_timeline_marks_alarm_pages_answers_arrivals_decisions_and_the_close_in_local_time() -> None:
    drawn = marks(picture(logbog_html(PLAN, story())))

    assert drawn == {
        ("krisen", ""): [
            ("alarm", "09:00:00"), ("beslutning", "09:04:00"), ("beslutning", "09:07:00"), ("niveau", "09:20:00"),
            ("beslutning", "09:50:00"), ("afsluttet", "11:00:00"),
        ],
        ("rolle:kriseleder", "jesper"): [
            ("alarmeret", "09:04:01"), ("kvitteret", "09:06:40"), ("alarmeret", "09:07:01"), ("kommer", "09:07:30"),
            ("ankommet", "09:27:00"),
        ],
        ("rolle:situationsbillede", "cvo"): [
            ("alarmeret", "09:07:01"), ("kvitteret", "09:08:20"), ("kommer", "09:08:20"), ("oplyst-ankomst", "09:23:20"),
            ("ankommet", "09:25:00"),
        ],
        ("rolle:it", "cvo"): [
            ("alarmeret", "09:00:01"), ("kvitteret", "09:01:35"), ("alarmeret", "09:07:01"), ("kvitteret", "09:08:20"),
            ("kommer", "09:08:20"), ("oplyst-ankomst", "09:23:20"), ("ankommet", "09:25:00"),
        ],
        ("rolle:okonomi", "hjm"): [("alarmeret", "09:07:01"), ("kvitteret", "09:08:50"), ("kommer-ikke", "09:08:50")],
        ("rolle:okonomi", "emilbc"): [
            ("alarmeret", "09:08:52"), ("kvitteret", "09:11:40"), ("kommer", "09:11:40"), ("oplyst-ankomst", "09:31:40"),
            ("ankommet", "09:34:00"),
        ],
        ("rolle:kommunikation", "lak"): [
            ("alarmeret", "09:07:01"), ("kvitteret", "09:15:00"), ("kommer", "09:15:00"), ("oplyst-ankomst", "09:45:00"),
            ("ankommet", "09:46:00"),
        ],
    }


def test_each_mark_says_in_danish_what_happened_without_message_ids() -> None:
    svg = picture(logbog_html(PLAN, story()))

    tooltips = {
        (mark.attrib["data-lane"], mark.attrib["data-kind"], mark.attrib["data-at"][11:19]): mark.find(f"{SVG}title").text
        for mark in svg.iter(f"{SVG}g") if "data-kind" in mark.attrib
    }
    assert tooltips[("rolle:it", "alarmeret", "09:00:01")] == (
        "09:00:01 · Alarmeret Claus Vagn Ohrt (Ansvarlig for IT og Digitalisering) via Teams – vurdering af alarm"
    )
    assert tooltips[("rolle:okonomi", "oplyst-ankomst", "09:31:40")] == (
        "09:31:40 · Oplyst ankomst for Emil B. Christensen: ca. kl. 09:31 («20 min», svaret kl. 09:11)"
    )
    assert tooltips[("krisen", "afsluttet", "11:00:00")] == "11:00:00 · Krisen afsluttet – «O365 kører igen»"
    assert not [text for text in tooltips.values() if "a-1" in text or "gw-1" in text or "(id " in text]


def test_the_axis_shows_danish_clock_times_in_summer_too() -> None:
    summer = [e.model_copy(update={"at": e.at + timedelta(days=-150)}) for e in story()]  # 2026-07-01, +02:00

    svg = picture(logbog_html(PLAN, summer))

    labels = [text.text for text in svg.iter(f"{SVG}text") if text.attrib.get("text-anchor") == "middle"]
    ticks = labels[::2]
    assert ticks == ["10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30", "11:45", "12:00"]
    assert labels[1::2] == ticks, "the same axis at the bottom"
    assert "Klokken, 1.7.2026" in [text.text for text in svg.iter(f"{SVG}text")]


def test_the_response_times_are_the_figures_of_the_crisis() -> None:
    rows = section(logbog_markdown(PLAN, story()), "Svartider")

    assert rows == [
        ["Kriseleder", "Jesper Thyrring Møller", "09:04:01", "09:06:40", "02:39", "Kommer", "09:07:30", "00:29", "–", "09:27:00"],
        ["Ansvarlig for situationsbillede, log og dokumentation", "Claus Vagn Ohrt", "09:07:01", "09:08:20", "01:19",
         "Kommer", "09:08:20", "01:19", "ca. 09:23 (15 min)", "09:25:00"],
        ["Ansvarlig for IT og Digitalisering", "Claus Vagn Ohrt", "09:00:01", "09:01:35", "01:34",
         "Kommer", "09:08:20", "01:19", "ca. 09:23 (15 min)", "09:25:00"],
        ["Ansvarlig for økonomi", "Henrik Jebjerg Mogensen", "09:07:01", "09:08:50", "01:49", "Kommer ikke", "09:08:50", "01:49", "–", "–"],
        ["Ansvarlig for økonomi", "Emil B. Christensen", "09:08:52", "09:11:40", "02:48", "Kommer", "09:11:40", "02:48",
         "ca. 09:31 (20 min)", "09:34:00"],
        ["Ansvarlig for kommunikation", "Lisbeth Kusk", "09:07:01", "09:15:00", "07:59", "Kommer", "09:15:00", "07:59",
         "ca. 09:45 (30 min)", "09:46:00"],
    ]


def test_a_page_nobody_answers_shows_as_such() -> None:
    events = [e for e in story() if e.seq not in (22, 23, 28)]  # her acknowledgement, answer and arrival

    [lak] = [row for row in section(logbog_markdown(PLAN, events), "Svartider") if row[1] == "Lisbeth Kusk"]

    assert lak[2:] == ["09:07:01", "ikke kvitteret", "–", "intet svar", "–", "–", "–", "–"]


def test_the_summary_says_what_happened_how_long_it_lasted_and_who_took_part() -> None:
    markdown = logbog_markdown(PLAN, story())

    summary = dict(section(markdown, "Sammenfatning"))
    assert summary["Beskrivelse"] == "Exchange svarer ikke – ingen kan sende mail"
    assert (summary["Kilde"], summary["Berørte leverancer"], summary["Niveau"]) == ("Brugere af kritiske systemer", "O365", "Kommuneniveau")
    assert (summary["Åbnet"], summary["Afsluttet"], summary["Varighed"]) == (
        "2026-11-28 09:00:00 +01:00", "2026-11-28 11:00:00 +01:00", "2 t 0 min",
    )
    assert section(markdown, "Deltagere") == [
        ["Lisbeth Kusk", "Ansvarlig for kommunikation", "rejse alarmen, kvittere, svare «kommer», møde op"],
        ["Claus Vagn Ohrt", "Ansvarlig for IT og Digitalisering; Ansvarlig for situationsbillede, log og dokumentation",
         "kvittere, vurdere alarmen, svare «kommer», møde op, registrere fremmøde, skrive i logbogen"],
        ["Jesper Thyrring Møller", "Kriseleder",
         "kvittere, beslutte om kriseberedskab, svare «kommer», ændre niveau, møde op, skrive i logbogen, afslutte krisen"],
        ["Henrik Jebjerg Mogensen", "Ansvarlig for økonomi", "kvittere, svare «kommer ikke»"],
        ["Emil B. Christensen", "Ansvarlig for økonomi", "kvittere, svare «kommer», møde op"],
    ]


def test_an_open_crisis_says_so_and_how_long_it_has_run() -> None:
    events = story()[:-1]

    summary = dict(section(logbog_markdown(PLAN, events), "Sammenfatning"))

    assert summary["Afsluttet"] == "ikke afsluttet"
    assert summary["Varighed"] == "ikke afsluttet – 55 min til seneste hændelse"


def test_the_log_people_lived_leaves_delivery_mechanics_to_the_appendix() -> None:
    markdown = logbog_markdown(PLAN, story())

    lived = section(markdown, "Forløb")
    everything = section(markdown, "Hændelser")
    assert [row[0] for row in lived] == [str(n) for n in (1, 4, 5, 7, 8, *range(13, 19), *range(20, 32))]
    assert len(everything) == 31
    assert not [row for row in lived if row[4].startswith("Alarmeret ")]
    assert markdown.index("## Forløb") < markdown.index(f"## {APPENDIX}") < markdown.index("### Hændelser")


@pytest.mark.parametrize("numbering, statement", [
    (None, "Ikke kontrolleret: eksporten er lavet uden at spørge databasen, om der mangler hændelser i logbogen. "
           "Krisens 31 hændelser har nr. 1–31."),
    (Numbering(40), "Logbogen er komplet: databasen har hver hændelse fra nr. 1–40 uden huller "
                    "(én fortløbende nummerering for alle kriser). Krisens 31 hændelser har nr. 1–31."),
    (Numbering(40, ((3, 3), (33, 35))), "Logbogen er ikke komplet: hændelserne nr. 3 og 33–35 mangler i databasen, "
     "i alt 4 hændelser af nr. 1–40 (én fortløbende nummerering for alle kriser). De manglende kan høre til denne "
     "krise eller en anden; eksporten viser kun de hændelser, der findes. Krisens 31 hændelser har nr. 1–31."),
])
def test_the_top_states_whether_the_logbog_is_complete(numbering: Numbering | None, statement: str) -> None:
    markdown = logbog_markdown(PLAN, story(), numbering=numbering)
    page = logbog_html(PLAN, story(), numbering=numbering)

    assert markdown.split("\n\n")[2] == f"**Fuldstændighed:** {statement}"
    assert page.index(f"<strong>Fuldstændighed:</strong> {statement}</p>") < page.index("<h2>")


def test_many_gaps_are_counted_past_ten() -> None:
    gaps = tuple((n, n) for n in range(40, 80, 2))

    markdown = logbog_markdown(PLAN, story(), numbering=Numbering(100, gaps))

    assert "hændelserne nr. 40, 42, 44, 46, 48, 50, 52, 54, 56, 58 og 10 andre huller mangler i databasen, i alt 20" in markdown


def headings(document: str, pattern: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", heading) for heading in re.findall(pattern, document, flags=re.MULTILINE)]


def test_markdown_has_the_same_sections_as_html_with_a_table_for_the_picture() -> None:
    markdown, page = logbog_markdown(PLAN, story()), logbog_html(PLAN, story())

    assert headings(markdown, r"^##+ (.+)$") == SECTIONS
    assert headings(page, r"<h[23][^>]*>(.+?)</h[23]>") == SECTIONS
    assert "<svg" not in markdown
    timeline = section(markdown, "Tidslinje")
    assert timeline[0] == ["09:00:00", "Krisen", "–", "Alarm",
                           "Alarm fra Brugere af kritiske systemer; berørte leverancer: O365; anmelder: Lisbeth Kusk – "
                           "«Exchange svarer ikke – ingen kan sende mail»"]
    assert ["09:46:00", "Ansvarlig for kommunikation", "Lisbeth Kusk", "Ankommet", "Lisbeth Kusk er ankommet til mødestedet"] in timeline
    assert len(timeline) == len(sum(marks(picture(page)).values(), []))


def with_user_text(text: str) -> list[Event]:
    events = story(description=text)
    decision = LogEntryAdded(kind=LogEntryKind.BESLUTNING, text=text)
    return [*events, Event(seq=len(events) + 1, at=START + timedelta(hours=3), crisis_id=CRISIS, actor="jesper", payload=decision)]


@pytest.mark.parametrize("text", ["<script>alert(1)</script> & \"x\" 'y'", EVIL, "[x](https://evil.example) ]]> <![CDATA["])
def test_what_people_wrote_shows_as_written_in_the_picture_and_never_runs(text: str) -> None:
    events = with_user_text(text)

    page = logbog_html(PLAN, events)
    svg = picture(page)

    assert "<script" not in page and "<a " not in page
    assert not [e for e in svg.iter() if not e.tag.startswith(SVG) or e.tag.endswith("script")]
    titles = [title.text or "" for title in svg.iter(f"{SVG}title")]
    assert sum(text in title for title in titles) == 2, "the alarm and the decision in the log, as typed"
    markdown = logbog_markdown(PLAN, events)
    assert links(markdown) == []
    assert not re.search(r"(?<!\\)<(script|a |svg)", markdown)
    assert sum(visible(line).count(text) for line in markdown.splitlines() if line.startswith("| 12:00:00 | Krisen")) == 1
