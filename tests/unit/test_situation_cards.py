"""The situation card is rendered once per change of its crisis and language."""

from dataclasses import replace
from datetime import datetime, timezone

from bot.core.events import AlarmRaised, Event
from bot.core.state import fold
from bot.plan import load_plan
from bot.render.situation_cards import SituationCards
from bot.resources import default_plan_path

AT = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)


def test_the_same_state_gives_the_same_card_and_a_change_a_new_one() -> None:
    plan = load_plan(default_plan_path())
    alarm = AlarmRaised(source="cfcs", deliveries=["o365"], description="Phishing-bølge")
    state = fold([Event(seq=7, at=AT, crisis_id="K-2026-004", actor="cvo", payload=alarm)])
    cards = SituationCards(plan)

    first = cards.card(state, "da")
    assert cards.card(state, "da") is first
    assert cards.card(state, "en") is not first
    changed = replace(state, seq=8, description="Phishing-bølge mod økonomi")
    assert "Phishing-bølge mod økonomi" in str(cards.card(changed, "da"))
    assert "K-2026-004" in str(first)
