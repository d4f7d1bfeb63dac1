"""What a person sees of Markdown: rendered by markdown-it (CommonMark, tables on), read as text.

Adaptive Card text blocks, Teams messages and the exported logbog are Markdown; these helpers
say what shows on screen, so a test can assert that user text reads exactly as it was typed.
"""

import html
import re
from collections.abc import Iterator
from typing import Any

from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark").enable("table")
_TAG = re.compile(r"<[^>]*>")

EVIL = (
    "[Kvittér her](https://evil.example/login) **fed** _skrå_ <b>x</b> `kode` &amp; {{DATE(2026-03-12T13:00:00Z, SHORT)}}\n"
    "- liste\n"
    "1. punkt\n"
    "# overskrift"
)
"""Alarm text that would be a link, emphasis, HTML, an entity, an Adaptive Cards date, a list and a
heading if it were read as Markdown."""
EVIL_LINE = "[Kvittér her](https://evil.example/login) **fed** <b>x</b>"
"""The same on one short line (for fields that are one line or clipped short)."""


def rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer makes of ``markdown``."""
    return _MARKDOWN.render(markdown)


def visible(markdown: str) -> str:
    """The text a reader sees: tags dropped, entities read, line breaks kept."""
    page = re.sub(r"<br\s*/?>", "\n", rendered(markdown))
    return html.unescape(_TAG.sub("", page)).strip()


def links(markdown: str) -> list[str]:
    """Every link target in the rendered ``markdown``."""
    return [html.unescape(href) for href in re.findall(r'<a href="([^"]*)"', rendered(markdown))]


def shown_texts(card: dict[str, Any]) -> list[str]:
    """Every Markdown text an Adaptive Card shows: text blocks, fact titles and fact values (ShowCards included)."""
    nodes = list(walk(card))
    texts = [n["text"] for n in nodes if n.get("type") == "TextBlock"]
    return texts + [f[key] for n in nodes if n.get("type") == "FactSet" for f in n["facts"] for key in ("title", "value")]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, ShowCard contents included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)
