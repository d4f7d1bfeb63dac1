"""One spelling of a name, whatever case, accents, Danish letters or punctuation it was written with. Pure.

``spelling("Lønudbetaling") == spelling("lonudbetaling")``, ``spelling("Overvågningssystemer") ==
spelling("overvaagningssystemer")``, ``spelling("Perifært IT-udstyr") == spelling("perifert-it-udstyr")``:
æ, ø and å count as e, o and a, and so do the ASCII spellings ae, oe and aa; accents, case, white
space and punctuation do not count.
"""

import re
import unicodedata

_LETTERS = str.maketrans({"æ": "e", "ø": "o"})
_DIGRAPHS = re.compile(r"aa|ae|oe")
_DIGRAPH_LETTER = {"aa": "a", "ae": "e", "oe": "o"}
_NOT_LETTERS = re.compile(r"[\W_]+")


def spelling(text: str) -> str:
    """The key two spellings of one name share (empty for a text of no letters or digits)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    bare = _NOT_LETTERS.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return _DIGRAPHS.sub(lambda m: _DIGRAPH_LETTER[m.group()], bare)
