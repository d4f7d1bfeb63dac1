"""The sentence at the top of an exported logbog: is the logbog it was made from complete?

The export is pure, so it cannot look for itself: the caller asks the store how the logbog is
numbered (``Store.numbering``) and passes the answer in. Every event of every crisis takes the
next number of one series, so a crisis's own numbers have gaps by nature; what can be checked
is that no number in the whole series is missing.
"""

from collections.abc import Sequence

from ..core.events import Event
from ..store.numbering import Numbering

RUNS_NAMED = 10
"""A damaged logbog names this many runs of missing numbers, then counts the rest."""


def completeness(events: Sequence[Event], numbering: Numbering | None) -> str:
    """One Danish statement about the crisis's ``events`` (in ``seq`` order) and the logbog as ``numbering`` found it;
    None: it was not checked."""
    first, last = events[0].seq, events[-1].seq
    own = f"Krisens {len(events)} hændelser har nr. {first}–{last}." if len(events) > 1 else f"Krisens hændelse har nr. {first}."
    if numbering is None:
        return "Ikke kontrolleret: eksporten er lavet uden at spørge databasen, om der mangler hændelser i logbogen. " + own
    series = f"nr. 1–{numbering.last}" if numbering.last > 1 else "nr. 1"
    if numbering.contiguous:
        return (
            f"Logbogen er komplet: databasen har hver hændelse fra {series} uden huller "
            f"(én fortløbende nummerering for alle kriser). {own}"
        )
    count = sum(end - start + 1 for start, end in numbering.missing)
    return (
        f"Logbogen er ikke komplet: {_runs(numbering.missing)} mangler i databasen, i alt {count} "
        f"{'hændelse' if count == 1 else 'hændelser'} af {series} (én fortløbende nummerering for alle kriser). "
        f"De manglende kan høre til denne krise eller en anden; eksporten viser kun de hændelser, der findes. {own}"
    )


def _runs(missing: Sequence[tuple[int, int]]) -> str:
    """``hændelse nr. 4–6, 8 og 12``; past ``RUNS_NAMED`` runs, ``… og 3 andre huller``."""
    named = [f"{start}–{end}" if end > start else str(start) for start, end in missing[:RUNS_NAMED]]
    rest = len(missing) - len(named)
    if rest:
        named.append(f"{rest} {'andet hul' if rest == 1 else 'andre huller'}")
    words = named[0] if len(named) == 1 else ", ".join(named[:-1]) + f" og {named[-1]}"
    single = len(missing) == 1 and missing[0][0] == missing[0][1]
    return f"{'hændelse' if single else 'hændelserne'} nr. {words}"
