"""An external participant Krisebot summoned, as the crisis room sees it: its line on the situation card, the choice
that summons it on the card's form, and its rows in the exported logbog."""

from datetime import datetime, timedelta, timezone
from typing import Any

from bot.core.events import (
    AlarmRaised,
    DeliveryState,
    DirectorDecided,
    DirectorDecision,
    Event,
    EventPayload,
    ExternalAnswered,
    ExternalContacted,
    ExternalStatus,
    ExternalSummoned,
    PageDeliveryReported,
    PagePurpose,
    PageSent,
    PagesRequested,
    RequestedPage,
    Triaged,
    TriageDecision,
)
from bot.core.state import CrisisState, fold
from bot.plan import load_plan
from bot.render.contact_cards import contact_actions
from bot.render.crisis_cards import situation_card
from bot.render.export import logbog_markdown
from bot.resources import default_plan_path
from tests.markdown import shown_texts, visible, walk
from tests.plans import summoning_plan
from tests.schemas import assert_valid_card

PLAN = summoning_plan()
BUNDLED = load_plan(default_plan_path())
T0 = datetime(2026, 3, 12, 13, 0, tzinfo=timezone.utc)
"""14:00 in Copenhagen; each step below is one minute later."""
ACTIVATED: list[tuple[str, EventPayload]] = [
    ("lak", AlarmRaised(source="brugere", deliveries=["o365"], description="Ingen kan sende mail.", reporter="lak")),
    ("cvo", Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Hele kommunen er uden mail.")),
    ("jesper", DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=T0 + timedelta(minutes=45))),
]
SUMMONED = [
    *ACTIVATED,
    ("jesper", ExternalSummoned(external="vagtchef", note="Mød i byrådssalen")),  # 14:03
    ("jesper", PagesRequested(pages=[RequestedPage(person="vagtchef", roles=[], purpose=PagePurpose.EXTERNAL)])),
    ("system", PageSent(person="vagtchef", roles=[], purpose=PagePurpose.EXTERNAL, channel="sms", provider_id="m1")),
    ("system", PageSent(person="vagtchef", roles=[], purpose=PagePurpose.EXTERNAL, channel="voice", provider_id="c1")),
]


def crisis(*steps: tuple[str, EventPayload]) -> CrisisState:
    return fold(events(*steps))


def events(*steps: tuple[str, EventPayload]) -> list[Event]:
    return [
        Event(seq=n + 1, at=T0 + timedelta(minutes=n), crisis_id="K-2026-003", actor=actor, payload=payload)
        for n, (actor, payload) in enumerate(steps)
    ]


def externals_group(card: dict[str, Any]) -> list[str]:
    """The lines under «Eksterne (n)», heading first."""
    texts = [visible(text) for text in shown_texts(card)]
    start = next(i for i, text in enumerate(texts) if text.startswith("Eksterne ("))
    return texts[start:start + 1 + int(texts[start].removeprefix("Eksterne (").rstrip(")"))]


def statuses(plan, state: CrisisState) -> list[tuple[str, str]]:
    """The status choices of the situation card's «Eksterne deltagere» form."""
    [form] = [action["card"] for action in contact_actions(plan, state, "da") if action["title"] == "Eksterne deltagere"]
    [status] = [node for node in walk(form) if node.get("id") == "status"]
    return [(choice["title"], choice["value"]) for choice in status["choices"]]


def test_a_summoned_participant_shows_when_it_was_summoned_and_then_its_answer_with_arrival() -> None:
    waiting = situation_card(PLAN, crisis(*SUMMONED), "da")
    answered = crisis(*SUMMONED, ("vagtchef", ExternalAnswered(external="vagtchef", coming=True, eta="20 min", via="sms")))

    assert externals_group(waiting) == ["Eksterne (1)", "Vagtchef hos politiet – indkaldt kl. 14:03 – Mød i byrådssalen"]
    assert externals_group(situation_card(PLAN, answered, "da")) == [
        "Eksterne (1)", "Vagtchef hos politiet – indkaldt kl. 14:03 · kommer, ankomst ca. 14:27 – Mød i byrådssalen",
    ], "answered 14:07, in 20 minutes"
    assert_valid_card(situation_card(PLAN, answered, "da"))


def test_not_coming_and_a_summons_that_reached_it_on_no_channel_are_said() -> None:
    not_coming = crisis(*SUMMONED, ("vagtchef", ExternalAnswered(external="vagtchef", coming=False, via="telefon")))
    lost = PageDeliveryReported(
        person="vagtchef", roles=[], purpose=PagePurpose.EXTERNAL, channel="voice", provider_id="",
        status=DeliveryState.UNANSWERED,
    )

    assert externals_group(situation_card(PLAN, not_coming, "da"))[1].startswith("Vagtchef hos politiet – indkaldt kl. 14:03 · kommer ikke")
    assert externals_group(situation_card(PLAN, crisis(*SUMMONED, ("system", lost)), "da"))[1].startswith(
        "Vagtchef hos politiet – indkaldt kl. 14:03 · ikke nået"
    )
    by_hand = crisis(*SUMMONED, ("system", lost), ("cvo", ExternalContacted(external="vagtchef", status=ExternalStatus.TILKALDT)))
    assert externals_group(situation_card(PLAN, by_hand, "da"))[1] == "Vagtchef hos politiet – tilkaldt kl. 14:08", (
        "reached by phone since: the latest record counts"
    )


def test_the_summons_is_no_page_of_a_person_on_the_card() -> None:
    card = situation_card(PLAN, crisis(*SUMMONED), "da")
    [people] = [a["card"] for a in contact_actions(PLAN, crisis(*SUMMONED), "da") if a["title"] == "Registrér kontakt"] or [{}]

    assert "vagtchef" not in str(people), "its answer is its own, not one to record for it"
    assert sum("Vagtchef hos politiet" in visible(text) for text in shown_texts(card)) == 1, "one line, under «Eksterne»"


def test_the_form_offers_the_summons_once_activated_and_only_when_the_plan_lets_krisebot_summon() -> None:
    summon = ("Indkald via sms og opkald", "indkald")

    assert summon in statuses(PLAN, crisis(*ACTIVATED))
    assert summon not in statuses(PLAN, crisis(*ACTIVATED[:2])), "before activation there is no meeting to summon to"
    assert statuses(BUNDLED, crisis(*ACTIVATED)) == [("Kontaktet", "kontaktet"), ("Tilkaldt", "tilkaldt")]


def test_the_export_says_who_summoned_on_which_channels_and_what_it_answered() -> None:
    logbog = logbog_markdown(PLAN, events(
        *SUMMONED, ("vagtchef", ExternalAnswered(external="vagtchef", coming=True, eta="20 min", via="sms")),
    ))

    assert "Jesper Thyrring Møller (Kommunaldirektør) | – | Vagtchef hos politiet indkaldes af Krisebot – «Mød i byrådssalen»" in logbog
    assert "| sms | Alarmeret Vagtchef hos politiet via sms (id m1) – indkaldelse af ekstern deltager |" in logbog
    assert (
        "Vagtchef hos politiet (ekstern deltager) | sms | Svar på indkaldelse fra Vagtchef hos politiet via sms: "
        "Kommer, ankomst ca. kl. 14:27 (20 min)"
    ) in logbog
    assert (
        "| Vagtchef hos politiet | indkaldt via sms, opkald | Jesper Thyrring Møller (Kommunaldirektør) | "
        "2026-03-12 14:03:00 +01:00 | Mød i byrådssalen | Kommer, ankomst ca. kl. 14:27 (20 min) |"
    ) in logbog
