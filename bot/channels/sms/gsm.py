"""SMS text in the GSM-7 alphabet (GSM 03.38), measured and cut in septets. Pure functions.

``gsm7`` maps text onto the basic set and the extension table: typographic quotes, dashes,
ellipsis and odd spaces become their ASCII forms, ``€`` becomes ``EUR`` (phones render the
escape badly), letters with accents outside the set lose the accent, emoji and other
invisible or pictorial characters are removed, anything else becomes ``?``. æ ø å Æ Ø Å
are in the basic set and stay. An extension character (``^{}\\[~]|``) costs two septets.
"""

import math
import unicodedata

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("^{}\\[~]|")
ALPHABET = BASIC | EXTENSION

SINGLE = 160
"""Septets in a message of one segment."""
PART = 153
"""Septets per segment of a concatenated message (7 go to the concatenation header)."""
TWO_SEGMENTS = 2 * PART

_REPLACEMENTS = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys("\u00a0\u2002\u2003\u2009\u200a\u202f\u205f\u3000\t\f\v", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
    "…": "...",
    "€": "EUR",
    "•": "-",
    "·": "-",
    "×": "x",
    "\u2028": "\n",
    "\u2029": "\n",
}
_DROPPED_CATEGORIES = frozenset({"So", "Sk", "Cs", "Co", "Cf", "Mn", "Me", "Cc"})


def _char(char: str) -> str:
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and ALPHABET.issuperset(base):
        return base
    return "" if unicodedata.category(char) in _DROPPED_CATEGORIES else "?"


def gsm7(text: str) -> str:
    """``text`` with every character in the GSM-7 basic set or extension table (see the module)."""
    if ALPHABET.issuperset(text):
        return text
    return "".join(char if char in ALPHABET else _char(char) for char in text)


def septets(text: str) -> int:
    """Septets ``text`` takes (extension characters 2). ValueError if it is not GSM-7: pass it through ``gsm7``."""
    if not ALPHABET.issuperset(text):
        raise ValueError(f"{text!r} er ikke i GSM-7-alfabetet")
    return len(text) + sum(map(text.count, EXTENSION))


def segments(text: str) -> int:
    """SMS segments ``text`` is sent as: 1 up to 160 septets, else 153 per part (an escape pair never split)."""
    if septets(text) <= SINGLE:
        return 1
    parts, used = 1, 0
    for width in (2 if char in EXTENSION else 1 for char in text):
        if used + width > PART:
            parts, used = parts + 1, 0
        used += width
    return parts


def fit(text: str, limit: int = TWO_SEGMENTS) -> str:
    """``gsm7(text)`` cut to at most ``limit`` septets and the segments they make, ending in ``...`` when cut.

    Cuts between characters, so an extension character's escape pair is never split.
    """
    text = gsm7(text)
    most_segments = 1 if limit <= SINGLE else math.ceil(limit / PART)
    if septets(text) <= limit and segments(text) <= most_segments:
        return text
    marker = "..."
    kept = text[:limit]
    while kept and (septets(kept) + len(marker) > limit or segments(kept + marker) > most_segments):
        kept = kept[:-1]
    return kept.rstrip() + marker
