"""The situation card of each crisis, rendered once per change and language.

A tap on the situation card and the update of the log thread's root ask for the same card;
the crisis's last sequence number says whether the one rendered before is still current.
"""

from typing import Any

from ..core.state import CrisisState
from ..plan.models import Plan
from .crisis_cards import situation_card
from .texts import Lang


class SituationCards:
    """Renders situation cards, keeping the latest per crisis and language."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        self._latest: dict[tuple[str, Lang], tuple[int, dict[str, Any]]] = {}

    def card(self, state: CrisisState, lang: Lang) -> dict[str, Any]:
        """The situation card of ``state`` (which must come from the logbog: its ``seq`` is real)."""
        key = (state.id, lang)
        cached = self._latest.get(key)
        if cached is None or cached[0] != state.seq:
            cached = (state.seq, situation_card(self._plan, state, lang))
            self._latest[key] = cached
        return cached[1]
