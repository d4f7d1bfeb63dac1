"""What some tests need from outside the repository, and what happens where it is missing.

``../shared`` beside the repository (``SHARED``) holds the official schemas and the plan text
the bundled plan was made from; the end-to-end tests need Chromium, Node.js and the
playground; the PDF tests need WeasyPrint's pango and a font (``pdf_renderer``). A test whose prerequisite is missing skips, naming it; under ``CI=true`` it fails
instead, so a CI run never passes on checks it did not make.
"""

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def in_ci() -> bool:
    """``CI`` is set to true (``true``, ``1`` or ``yes``, as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> NoReturn:
    """Skip the test for ``reason``; under ``CI=true`` fail it."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing prerequisite fails the test)", pytrace=False)
    pytest.skip(reason)


def shared_file(*parts: str, what: str) -> Path:
    """The file ``SHARED/parts...``; ``missing`` when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        missing(f"{what} is not at {path} (../shared beside the repository)")
    return path


FONT_FILES = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
"""The files of the PDF's fonts (``bot.render.pdf.FONTS``): Debian's fonts-dejavu-core or fonts-liberation."""


def pdf_renderer() -> None:
    """``missing`` unless PDFs can be made here: WeasyPrint loads pango, and a font of the PDF's is installed."""
    from bot.errors import PdfUnavailable
    from bot.render.pdf import SYSTEM_PACKAGES, pdf

    try:
        pdf("<p>æøå</p>", label="prøve", exported_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    except PdfUnavailable as exc:
        missing(str(exc))
    if not any(next(Path("/usr/share/fonts").rglob(name), None) for name in FONT_FILES):
        missing(f"no font of the PDF's is installed ({', '.join(FONT_FILES)}; Debian: {SYSTEM_PACKAGES[-1]})")
