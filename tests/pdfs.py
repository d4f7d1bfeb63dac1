"""A PDF's text as a reader copies it out (pypdf), for tests of the exported logbog."""

import io

from pypdf import PdfReader


def page_texts(document: bytes) -> list[str]:
    """Each page's text, whitespace (and line breaks inside table cells) made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document)).pages]


def pdf_text(document: bytes) -> str:
    """The whole document's text, its pages joined."""
    return " ".join(page_texts(document))
