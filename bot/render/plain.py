"""Text shown as it was written: the one escape for everything Krisebot puts into Markdown.

Adaptive Card text blocks and facts, Teams messages and the exported logbog render Markdown
(and Teams some HTML): text from people and other systems — alarm descriptions, assessments,
notes, log entries, SMS, alarm mail, webhook fields — must not turn into a link, emphasis, a
list or a tag there. ``literal`` backslash-escapes every character that could start one, so a
CommonMark renderer shows each character as typed and nothing else. ``Markup`` is Markdown the
bot writes on purpose; card templates bind it as it is (see ``bot.render.template``).
"""

import re
from collections.abc import Iterable

_ANYWHERE = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>~|&{"})
"""Emphasis, code, links, images, autolinks, HTML, entities, strike-through, table cells and
Adaptive Cards' ``{{DATE(…)}}``: escaped wherever they stand."""
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_BLOCK_MARKER = re.compile(
    r"[ \t]*(?:\d{1,9}(?P<number>[.)])|(?P<bullet>[-+]|#{1,6}))(?:[ \t]|$)|[ \t]*(?P<rule>[-=])[-= \t]*$"
)
"""What makes a line a list item, a heading, a rule or a setext underline: escaped at the start of a line."""


def literal(text: str) -> str:
    """``text`` escaped so that Markdown shows it exactly as written."""
    return "".join(map(_escape_block_start, _LINE_BREAK.split(text.translate(_ANYWHERE))))


def _escape_block_start(line: str) -> str:
    marker = _BLOCK_MARKER.match(line)
    if marker is None:
        return line
    at = next(marker.start(name) for name in ("number", "bullet", "rule") if marker.group(name))
    return f"{line[:at]}\\{line[at:]}"


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """What a reader sees of Markdown without emphasis or links in it: each escaped character as itself
    (for output that is not Markdown, such as a mail's HTML made from a card)."""
    return _ESCAPE.sub(r"\1", markdown)


class Markup(str):
    """Markdown the bot wrote on purpose, with any text in it already escaped."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> "Markup":
        """This Markdown with the values filled in, each escaped unless it is ``Markup``."""
        return Markup(str.format(self, *map(_safe, args), **{k: _safe(v) for k, v in kwargs.items()}))

    def join(self, parts: Iterable[str]) -> "Markup":
        """``parts`` joined by this Markdown, each escaped unless it is ``Markup``."""
        return Markup(str.join(self, map(_safe, parts)))


def _safe(value: object) -> str:
    return value if isinstance(value, Markup) else literal(str(value))
