"""The logbog as a PDF for the case file: the printed export, every page numbered and marked with the crisis
and the export time, names with æ, ø and å intact, the same bytes for the same export, nothing fetched."""

import io
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    Event,
    EventPayload,
    LogEntryAdded,
    LogEntryKind,
    PagePurpose,
    PageSent,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from bot.plan import load_plan
from bot.render.export import logbog_html
from bot.render.pdf import pdf, print_style
from bot.resources import default_plan_path
from tests.pdfs import page_texts, pdf_text
from tests.prerequisites import pdf_renderer

PLAN = load_plan(default_plan_path())
CRISIS = "K-2026-007"
START = datetime(2026, 11, 28, 7, 2, tzinfo=timezone.utc)
EXPORTED = datetime(2026, 12, 4, 11, 23, 5, tzinfo=timezone.utc)
FOOTER = f"{CRISIS} · eksporteret 2026-12-04 12:23:05 +01:00"
"""The footer's left part for ``EXPORTED``: Danish time with its offset."""
ENTRIES = 60
"""Log entries in the long crisis: enough for several pages."""
LAST = f"Krisen afsluttet – «Alt kører igen efter {ENTRIES} logbogsindførsler»"


@pytest.fixture(autouse=True)
def renderer() -> None:
    pdf_renderer()


def long_crisis(entries: int) -> list[Event]:
    """A crisis in which every person of the plan is summoned and answers, then ``entries`` log entries, then the close."""
    steps: list[tuple[str, EventPayload]] = [
        ("lak", AlarmRaised(source="brugere", deliveries=["o365"], description="Exchange svarer ikke", reporter="lak")),
        ("cvo", Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Hele O365 er nede")),
        ("jesper", DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=START + timedelta(hours=1))),
    ]
    for person in PLAN.people:
        roles = [role.id for role in PLAN.roles if person.id in role.chain] or ["kriseleder"]
        steps += [
            ("system", PageSent(person=person.id, roles=roles, purpose=PagePurpose.SUMMONS, channel="teams")),
            (person.id, Acknowledged(person=person.id, roles=roles, via="teams")),
            (person.id, SummonsAnswered(person=person.id, coming=True, eta="20 min")),
        ]
    steps += [("cvo", LogEntryAdded(kind=LogEntryKind.HANDLING, text=f"Indførsel {n}: status på gendannelsen")) for n in range(1, entries + 1)]
    steps.append(("jesper", CrisisClosed(note=f"Alt kører igen efter {entries} logbogsindførsler")))
    return [
        Event(seq=n, at=START + timedelta(minutes=n), crisis_id=CRISIS, actor=actor, payload=payload)
        for n, (actor, payload) in enumerate(steps, start=1)
    ]


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    pdf_renderer()
    return pdf(logbog_html(PLAN, long_crisis(ENTRIES)), label=CRISIS, exported_at=EXPORTED)


def test_the_pdf_is_the_printed_export_every_page_numbered_and_marked(long_pdf: bytes) -> None:
    import weasyprint

    pages = page_texts(long_pdf)
    html = logbog_html(PLAN, long_crisis(ENTRIES))
    laid_out = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=print_style(CRISIS, EXPORTED))])

    assert long_pdf.startswith(b"%PDF-")
    assert len(pages) == len(laid_out.pages) > 1
    for number, text in enumerate(pages, start=1):
        assert f"Side {number} af {len(pages)}" in text and FOOTER in text, text[-200:]
    box = PdfReader(io.BytesIO(long_pdf)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (297, 210), "A4 landscape"


def test_the_long_logbog_runs_over_the_pages_in_order(long_pdf: bytes) -> None:
    pages = page_texts(long_pdf)
    where = [next(i for i, text in enumerate(pages) if f"Indførsel {n}: " in text) for n in range(1, ENTRIES + 1)]

    assert f"Logbog for krise {CRISIS}" in pages[0]
    assert where == sorted(where) and where[-1] > where[0]
    closed = [i for i, text in enumerate(pages) if LAST in text]
    assert len(closed) == 2 and closed[0] >= where[-1], "the close ends the lived log, and is in the appendix once more"
    appendix = next(i for i, text in enumerate(pages) if "Bilag: teknisk logbog" in text)
    assert closed[0] <= appendix <= closed[1], "the appendix comes after the lived log"


def test_every_person_who_took_part_is_named_with_ae_oe_aa_intact(long_pdf: bytes) -> None:
    shown = pdf_text(long_pdf)
    names = [person.name for person in PLAN.people]

    assert any(re.search("[æøåÆØÅ]", name) for name in names), "the plan has names with æ, ø or å"
    assert [name for name in names if name not in shown] == []
    assert CRISIS in shown and "Ansvarlig for økonomi" in shown


def test_the_pdf_has_the_export_s_tables(long_pdf: bytes) -> None:
    """The response times an evaluation asks for are in the PDF, with the story's sections and the appendix."""
    shown = pdf_text(long_pdf)

    for heading in ("Sammenfatning", "Tidslinje", "Svartider", "Forløb", "Bilag: teknisk logbog", "Hændelser"):
        assert heading in shown
    for column in ("Tid til kvittering", "Tid til svar", "Oplyst ankomst", "Ankommet"):
        assert column in shown


def test_the_pdf_s_fonts_are_the_ones_that_carry_ae_oe_aa(long_pdf: bytes) -> None:
    fonts = {
        str(font["/BaseFont"]).split("+")[-1]
        for page in PdfReader(io.BytesIO(long_pdf)).pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }

    assert fonts and all(name.startswith(("DejaVu-Sans", "Liberation-Sans")) for name in fonts), fonts


def test_the_same_export_at_the_same_time_gives_the_same_bytes() -> None:
    html = logbog_html(PLAN, long_crisis(0)[:3])  # the alarm, the assessment, the decision: one page

    first = pdf(html, label=CRISIS, exported_at=EXPORTED)
    later = pdf(html, label=CRISIS, exported_at=EXPORTED + timedelta(minutes=1))

    assert pdf(html, label=CRISIS, exported_at=EXPORTED) == first != later
    assert PdfReader(io.BytesIO(first)).metadata["/CreationDate"] == "D:20261204122305+01'00"
    assert "2026-12-04 12:24:05 +01:00" in pdf_text(later)


def test_a_label_is_text_in_the_footer_whatever_it_holds() -> None:
    label = 'K-2026-007 "}@page{margin:0} \\ æ\n'

    shown = pdf_text(pdf("<p>Logbog</p>", label=label, exported_at=EXPORTED))

    assert 'K-2026-007 "}@page{margin:0} \\ æ · eksporteret 2026-12-04 12:23:05 +01:00' in shown


def test_the_pdf_fetches_nothing_the_html_points_at(tmp_path: Path) -> None:
    style = tmp_path / "fremmed.css"
    style.write_text('p::after{content:"HENTET"}', encoding="utf-8")
    html = f'<link rel="stylesheet" href="{style.as_uri()}"><p>Logbog</p><img src="{(tmp_path / "x.png").as_uri()}">'

    shown = pdf_text(pdf(html, label=CRISIS, exported_at=EXPORTED))

    assert "Logbog" in shown and "HENTET" not in shown


def test_the_same_sheet_fetched_as_data_is_laid_out() -> None:
    """The refusal above is the fetcher's: a stylesheet inline in the HTML still counts."""
    html = '<link rel="stylesheet" href="data:text/css,p::after{content:%22HENTET%22}"><p>Logbog</p>'

    assert "HENTET" in pdf_text(pdf(html, label=CRISIS, exported_at=EXPORTED))


def test_making_a_pdf_writes_no_progress_lines_into_the_service_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    pdf("<p>Logbog</p>", label=CRISIS, exported_at=EXPORTED)

    assert [record.getMessage() for record in caplog.records if record.name.startswith("weasyprint")] == []
