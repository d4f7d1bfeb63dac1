"""«eksport» in Teams gives a third signed link: the logbog as a PDF for the case file, on the same terms as
the Markdown and HTML links (an hour, this crisis only, refused in Danish otherwise)."""

import re
from datetime import timedelta

import pytest

from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.pdfs import pdf_text, without_pango
from tests.prerequisites import pdf_renderer
from tests.protocol.crisis import Crisis, activated, alarm, installed_for
from tests.protocol.teams import CLAUS, JESPER, in_channel


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> Crisis:
    pdf_renderer()
    crisis = await installed_for(await start_bot(settings_for(), clock=clock), connector)
    assert (await crisis.bot.post(in_channel(CLAUS, connector.url, "logkanal"))).status == 201
    return crisis


async def export_paths(crisis: Crisis, crisis_id: str) -> dict[str, str]:
    """The paths of the links that «eksport» answers with, by their text: HTML, Markdown, PDF."""
    await crisis.says(JESPER, f"eksport {crisis_id}")
    answer = crisis.connector.texts(JESPER.chat_id)[-1]
    return {name: "/" + link.split("/", 3)[3] for name, link in re.findall(r"\[(\w+)\]\((http[^)]+)\)", answer)}


async def test_the_pdf_link_serves_the_logbog_as_a_pdf_marked_with_the_crisis_and_the_export_time(
    crisis: Crisis, clock: Clock
) -> None:
    crisis_id = await activated(crisis)
    paths = await export_paths(crisis, crisis_id)
    clock.now += timedelta(minutes=5)

    answer = await crisis.bot.client.get(paths["PDF"])

    assert list(paths) == ["HTML", "Markdown", "PDF"]
    assert answer.status == 200 and answer.content_type == "application/pdf"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{crisis_id}.pdf"'
    body = await answer.read()
    assert body.startswith(b"%PDF-")
    shown = pdf_text(body)
    assert f"{crisis_id} · eksporteret 2026-11-28 08:05:00 +01:00" in shown, "the footer: the time of the download"
    assert "Side 1 af " in shown and "Jesper Thyrring Møller" in shown and "Lønkørslen fejler" in shown


async def test_a_tampered_or_expired_pdf_link_is_refused_in_danish(crisis: Crisis, clock: Clock) -> None:
    crisis_id = await activated(crisis)
    path = (await export_paths(crisis, crisis_id))["PDF"]

    for tampered in (path.replace(crisis_id, "K-2026-999"), path.replace(".pdf?", ".html?"), path[:-1]):
        answer = await crisis.bot.client.get(tampered)
        assert answer.status == 403, tampered
        assert "skriv «eksport» i Teams igen" in (await answer.json())["error"]
    clock.now += timedelta(minutes=61)
    expired = await crisis.bot.client.get(path)
    assert expired.status == 403 and "udløbet" in (await expired.json())["error"]


async def test_a_pdf_that_takes_too_long_is_answered_with_503_and_the_way_to_print_it(
    settings_for, start_bot, connector: FakeConnector
) -> None:
    pdf_renderer()
    crisis = await installed_for(await start_bot(settings_for(), pdf_deadline=0.001), connector)
    path = (await export_paths(crisis, await alarm(crisis)))["PDF"]

    answer = await crisis.bot.client.get(path)

    assert answer.status == 503
    assert (await answer.json())["error"] == "PDF'en tog for lang tid at lave: hent HTML-udgaven og udskriv den"


async def test_without_pango_the_pdf_link_says_so_and_the_html_link_still_works(
    crisis: Crisis, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = await export_paths(crisis, await alarm(crisis))
    without_pango(monkeypatch)

    answer = await crisis.bot.client.get(paths["PDF"])

    assert answer.status == 503
    assert (await answer.json())["error"] == "PDF kan ikke laves på serveren: hent HTML-udgaven og udskriv den"
    assert (await crisis.bot.client.get(paths["HTML"])).status == 200
