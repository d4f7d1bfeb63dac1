"""The situation card is rendered once per change of its crisis and language; ``status`` shows a few of them."""

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot.core.events import AlarmRaised, Event
from bot.core.state import CrisisState, fold
from bot.plan import load_plan
from bot.render import status as status_module
from bot.render.situation_cards import SituationCards
from bot.render.status import Status, status
from bot.resources import default_plan_path

AT = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)
PLAN = load_plan(default_plan_path())
ALARM = AlarmRaised(source="cfcs", deliveries=["o365"], description="Phishing-bølge")


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


def open_crises(count: int) -> list[CrisisState]:
    """``count`` open crises, K-2026-001 first, one opened a minute after the other."""
    return [
        fold([Event(seq=n, at=AT + timedelta(minutes=n), crisis_id=f"K-2026-{n:03}", actor="cvo", payload=ALARM)])
        for n in range(1, count + 1)
    ]


def crisis_ids(cards: list[dict]) -> list[str]:
    return [card["body"][0]["text"] for card in cards]


def test_status_shows_the_three_newest_crises_and_names_the_rest_newest_first() -> None:
    answer = status(SituationCards(PLAN), open_crises(100), "da")

    assert crisis_ids(answer.cards) == ["K-2026-100", "K-2026-099", "K-2026-098"]
    named = ", ".join(f"K-2026-{n:03}" for n in range(97, 77, -1))
    assert answer.rest == f"… og 97 andre aktive kriser: {named} og 77 flere."


def test_status_with_few_crises_shows_each_and_names_one_left_over_in_the_singular() -> None:
    crises = open_crises(4)

    assert status(SituationCards(PLAN), crises[:2], "da") == status(SituationCards(PLAN), crises[1::-1], "da")
    assert status(SituationCards(PLAN), crises[:2], "en").rest is None
    assert status(SituationCards(PLAN), crises, "en").rest == "… and 1 other active crisis: K-2026-001."
    assert status(SituationCards(PLAN), [], "da") == Status([], None)


def test_status_sends_fewer_cards_when_three_would_not_fit_in_one_teams_message(monkeypatch) -> None:
    cards = SituationCards(PLAN)
    one = len(json.dumps(cards.card(open_crises(1)[0], "da"), ensure_ascii=False).encode("utf-16-le"))
    monkeypatch.setattr(status_module, "MESSAGE_BUDGET", one * 2)

    answer = status(cards, open_crises(5), "da")

    assert crisis_ids(answer.cards) == ["K-2026-005", "K-2026-004"]
    assert answer.rest == "… og 3 andre aktive kriser: K-2026-003, K-2026-002, K-2026-001."
