"""Export links work for the crisis and format they were made for, for an hour, from this service only."""

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.export_links import ExportLinks

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)


def parts(link: str) -> tuple[str, str, str, str]:
    url = urlsplit(link)
    crisis, fmt = url.path.rsplit("/", 1)[1].split(".")
    query = parse_qs(url.query)
    return crisis, fmt, query["expires"][0], query["sig"][0]


def test_a_link_is_valid_for_an_hour_for_its_crisis_and_format_only() -> None:
    now = [T0]
    links = ExportLinks(base_url="https://krisebot.struer.dk/", clock=lambda: now[0])
    link = links.link("K-2026-001", "html")
    crisis, fmt, expires, sig = parts(link)

    assert link.startswith("https://krisebot.struer.dk/api/export/K-2026-001.html?")
    assert links.valid(crisis, fmt, expires, sig)
    assert not links.valid("K-2026-002", fmt, expires, sig)
    assert not links.valid(crisis, "md", expires, sig)
    assert not links.valid(crisis, fmt, str(int(expires) + 3600), sig)
    assert not links.valid(crisis, fmt, "soon", sig)
    now[0] = T0 + timedelta(minutes=61)
    assert not links.valid(crisis, fmt, expires, sig)


def test_a_link_from_another_service_or_before_a_restart_is_refused() -> None:
    link = ExportLinks(base_url="http://127.0.0.1:3978", clock=lambda: T0).link("K-2026-001", "md")

    assert not ExportLinks(base_url="http://127.0.0.1:3978", clock=lambda: T0).valid(*parts(link))


@pytest.mark.parametrize(
    ("expires", "sig"),
    [
        pytest.param("²", None, id="superscript digit"),
        pytest.param("٣٤٥", None, id="arabic digits"),
        pytest.param("9" * 400, None, id="overlong number"),
        pytest.param("999999999999", None, id="year 33658"),
        pytest.param(None, "ø" * 64, id="non-ascii sig"),
        pytest.param(None, "\udcff" * 64, id="undecodable sig"),
        pytest.param(None, "", id="empty sig"),
    ],
)
def test_a_tampered_expiry_or_signature_is_simply_not_valid(expires: str | None, sig: str | None) -> None:
    links = ExportLinks(base_url="https://krisebot.struer.dk/", clock=lambda: T0)
    crisis, fmt, good_expires, good_sig = parts(links.link("K-2026-001", "md"))

    assert not links.valid(crisis, fmt, expires or good_expires, good_sig if sig is None else sig)
    assert not links.valid("K-\udcff", fmt, good_expires, good_sig)
