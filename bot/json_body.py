"""JSON from a request body, as cheaply as a hostile body allows.

``parse_json`` parses bytes with pydantic's Rust parser (``pydantic_core.from_json``): it reads
the UTF-8 as it goes instead of decoding the whole body to a string first, and gives up at a
nesting depth of a few hundred within microseconds (Python's ``json`` decodes a megabyte first
and recurses a thousand levels before it stops). What it accepts is what ``json`` accepts, less
lone UTF-16 surrogates (``"\\ud800"``), which no sender of ours writes.
"""

from typing import Any

import pydantic_core

from .http_errors import Refused

TOO_DEEP = "recursion limit exceeded"
"""How ``from_json`` says the nesting was too deep."""
TOO_DEEP_REASON = "ugyldig JSON: indlejret for dybt"


class BadJson(ValueError):
    """The body is not JSON; ``too_deep`` when it was refused for its nesting alone."""

    def __init__(self, too_deep: bool) -> None:
        super().__init__("JSON nested too deep" if too_deep else "not JSON")
        self.too_deep = too_deep


def parse_json(body: bytes) -> Any:
    """The JSON value in ``body``; BadJson if it is not UTF-8 JSON or is nested too deep to parse."""
    try:
        return pydantic_core.from_json(body)
    except ValueError as exc:
        raise BadJson(TOO_DEEP in str(exc)) from None


def refuse_too_deep(prefix: bytes) -> None:
    """``read_limited``'s screen for a JSON body: Refused (400) when its first part is already nested too deep to
    parse, so no more of it is read. Any other fault in a first part is left to the whole body's parse."""
    try:
        pydantic_core.from_json(prefix, allow_partial=True)
    except ValueError as exc:
        if TOO_DEEP in str(exc):
            raise Refused(400, TOO_DEEP_REASON) from None
