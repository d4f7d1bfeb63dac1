"""The answer to ``status``: one message with the newest active crises' situation cards, the rest named.

Pure: from the active crises (and their cached situation cards) to the cards and the line that
names the crises without a card. One message, however many crises are open: a few cards,
newest first, as many as fit Teams' message size, and the others by id, the newest first.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.state import CrisisState
from .situation_cards import SituationCards
from .texts import Lang, say

CARDS = 3
"""Situation cards in one answer at most."""
MESSAGE_BUDGET = 80_000
"""Bytes (UTF-16, as Teams counts) the cards of one answer may take: Teams refuses a message over
100 KB and advises staying under 80 KB. The newest crisis always gets its card (one is under 28 KB)."""
NAMED = 20
"""Crises without a card named by id at most; beyond that, a count."""


@dataclass(frozen=True, slots=True)
class Status:
    """The cards to send, newest first, and the line naming the other active crises (None: no others)."""

    cards: list[dict[str, Any]]
    rest: str | None


def status(situations: SituationCards, active: Sequence[CrisisState], lang: Lang) -> Status:
    """The answer for ``active`` (the open crises, in any order); no cards when there are none."""
    newest = sorted(active, key=lambda state: (state.opened_at, state.id), reverse=True)
    cards: list[dict[str, Any]] = []
    size = 0
    for state in newest[:CARDS]:
        card = situations.card(state, lang)
        size += len(json.dumps(card, ensure_ascii=False).encode("utf-16-le"))
        if cards and size > MESSAGE_BUDGET:
            break
        cards.append(card)
    return Status(cards, _rest([state.id for state in newest[len(cards):]], lang))


def _rest(ids: list[str], lang: Lang) -> str | None:
    """``… og 97 andre aktive kriser: K-2026-097, …, K-2026-078 og 77 flere.``"""
    if not ids:
        return None
    named = ", ".join(ids[:NAMED])
    if len(ids) > NAMED:
        named = say(lang, "status.more", ids=named, count=len(ids) - NAMED)
    return say(lang, "status.rest_one", ids=named) if len(ids) == 1 else say(lang, "status.rest", count=len(ids), ids=named)
