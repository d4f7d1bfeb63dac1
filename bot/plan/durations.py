"""Durations written the way people write them in a plan: ``"90s"``, ``"5m"``, ``"1h30m"``."""

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_PART = re.compile(r"(\d+)([hms])")
_UNITS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """Parse ``"90s"``, ``"5m"``, ``"1h30m"``; raise ValueError for anything else or zero."""
    if not isinstance(text, str) or not text or _PART.sub("", text.strip()):
        raise ValueError(f"ugyldig varighed {text!r}: skriv fx \"90s\", \"5m\" eller \"1h\"")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    if seconds <= 0:
        raise ValueError(f"varigheden {text!r} skal være længere end 0 sekunder")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest plan spelling of ``value`` (``timedelta(seconds=90)`` → ``"1m30s"``)."""
    rest = int(value.total_seconds())
    parts = []
    for unit, size in _UNITS.items():
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


Duration = Annotated[
    timedelta,
    BeforeValidator(lambda v: v if isinstance(v, timedelta) else parse_duration(v)),
    PlainSerializer(format_duration, return_type=str),
]
