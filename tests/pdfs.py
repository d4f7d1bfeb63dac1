"""A PDF's text as a reader copies it out (pypdf), and a machine without pango, for tests of the exported logbog."""

import io
import sys

import pytest
from pypdf import PdfReader


def page_texts(document: bytes) -> list[str]:
    """Each page's text, whitespace (and line breaks inside table cells) made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document)).pages]


def pdf_text(document: bytes) -> str:
    """The whole document's text, its pages joined."""
    return " ".join(page_texts(document))


class _WithoutPango:
    """An import finder that fails WeasyPrint's import as it fails where pango cannot be loaded: OSError."""

    def find_spec(self, name: str, *_: object) -> None:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")


def without_pango(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on in this test, importing WeasyPrint fails as on a machine without pango."""
    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_WithoutPango(), *sys.meta_path])
