"""The crisis cards: what each person sees in each phase, which buttons they get, and that every card is valid."""

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    Event,
    EventPayload,
    ExternalAnswered,
    ExternalContacted,
    ExternalStatus,
    ExternalSummoned,
    LevelChanged,
    LogEntryAdded,
    LogEntryKind,
    MeetingPlaceChanged,
    PageFailed,
    PagePurpose,
    PageSent,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from bot.core.state import CrisisState, fold
from bot.plan import Plan, load_plan
from bot.render.cards import template
from bot.render.crisis_cards import (
    alarm_form,
    director_card,
    log_entry_form,
    notice_card,
    page_card,
    refused_card,
    result_card,
    situation_card,
    summons_card,
    triage_card,
)
from bot.resources import default_plan_path
from bot.teams.verbs import Verb
from tests.markdown import EVIL, EVIL_LINE, links, shown_texts, visible, walk
from tests.plans import summoning_plan
from tests.schemas import MAX_CARD_BYTES, assert_valid_card

PLAN = load_plan(default_plan_path())
SUMMONING = summoning_plan()
"""The bundled plan with an external participant Krisebot may summon: its situation card offers the summons."""
CRISIS = "K-2026-003"
T0 = datetime(2026, 3, 12, 13, 0, tzinfo=timezone.utc)
"""14:00 in Copenhagen; each step of a crisis below is one minute later."""
LANGS = ["da", "en"]
TEMPLATES = ["alarm_form", "triage", "director", "summons", "situation", "log_entry", "notice"]
DOCUMENTED_INPUTS = {
    "source", "deliveries", "description", "phone", "assessment", "meeting_time", "note", "members", "emails", "eta", "kind",
    "text",
}

Step = tuple[str, EventPayload]


def crisis(*steps: Step) -> CrisisState:
    """The crisis after ``steps`` (actor, payload), the first at 14:00 and each a minute after the last."""
    return fold(
        [
            Event(seq=n + 1, at=T0 + timedelta(minutes=n), crisis_id=CRISIS, actor=actor, payload=payload)
            for n, (actor, payload) in enumerate(steps)
        ]
    )


def sent(person: str, roles: list[str], purpose: PagePurpose, channel: str = "teams") -> Step:
    return ("system", PageSent(person=person, roles=roles, purpose=purpose, channel=channel))


def ack(person: str, roles: list[str]) -> Step:
    return (person, Acknowledged(person=person, roles=roles, via="teams"))


SUMMONED = {"jesper": ["kriseleder"], "cvo": ["situationsbillede", "it"], "hjm": ["okonomi"], "lak": ["kommunikation"]}
ALARM: list[Step] = [
    ("lak", AlarmRaised(source="brugere", deliveries=["o365", "hjemmeside"], description="Ingen kan sende mail.", reporter="lak", reporter_phone="40 40 80 07")),
    sent("cvo", ["it"], PagePurpose.TRIAGE),  # 14:01
]
TRIAGE_ACKED = [*ALARM, ack("cvo", ["it"])]  # acknowledged 14:02
DISMISSED = [*ALARM, ("cvo", Triaged(decision=TriageDecision.NOT_CRITICAL, assessment="Kun én bruger berørt."))]
DIRECTOR = [
    *ALARM,
    ("cvo", Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Hele kommunen er uden mail.")),  # 14:02
    sent("jesper", ["kriseleder"], PagePurpose.DIRECTOR, "sms"),  # 14:03
]
INFORMED = [
    *DIRECTOR,
    ("jesper", DirectorDecided(decision=DirectorDecision.INFORM_MANAGEMENT, members=["hjm"], note="Til orientering.")),
    sent("hjm", ["okonomi"], PagePurpose.INFORM),
]
ACTIVATED = [
    *DIRECTOR,
    ("jesper", DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=T0 + timedelta(minutes=45))),  # 14:04, meet 14:45
    *(sent(person, roles, PagePurpose.SUMMONS) for person, roles in SUMMONED.items()),  # 14:05–14:08
]
ANSWERED = [*ACTIVATED, ("hjm", SummonsAnswered(person="hjm", coming=True, eta="15 min")), ack("hjm", ["okonomi"])]
RAISED = [
    *ACTIVATED,
    ("jesper", LevelChanged(level="kommune", contacts=["jesper", "cvo"])),
    sent("jesper", ["kriseleder"], PagePurpose.TOP_STAFF),
    sent("cvo", ["situationsbillede"], PagePurpose.TOP_STAFF),
]
CLOSED = [*ACTIVATED, ("jesper", CrisisClosed(note="Mail kører igen."))]
PHASES = {
    "triage": ALARM, "triage_acked": TRIAGE_ACKED, "dismissed": DISMISSED, "director": DIRECTOR, "informed": INFORMED,
    "activated": ACTIVATED, "answered": ANSWERED, "raised": RAISED, "closed": CLOSED,
}


# --- reading cards -------------------------------------------------------------------------


def verbs(card: dict[str, Any]) -> set[str]:
    return {n["verb"] for n in walk(card) if n.get("type") == "Action.Execute"}


def button(card: dict[str, Any], verb: Verb) -> dict[str, Any]:
    return next(n for n in walk(card) if n.get("type") == "Action.Execute" and n["verb"] == verb)


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in walk(card) if str(n.get("type", "")).startswith("Input.")}


def text(card: dict[str, Any]) -> str:
    """All words a user reads on the card: text blocks and facts."""
    words = [n["text"] for n in walk(card) if n.get("type") == "TextBlock"]
    words += [f"{f['title']}: {f['value']}" for n in walk(card) if n.get("type") == "FactSet" for f in n["facts"]]
    return "\n".join(words)


def all_cards(state: CrisisState, lang: str) -> list[dict[str, Any]]:
    """Every card of the crisis: the pages of everyone paged, the situation card and the log form."""
    pages = [
        page_card(PLAN, state, lang, person=p.person, purpose=p.purpose, now=T0) for p in state.pages
    ]
    return [
        triage_card(PLAN, state, lang), director_card(PLAN, state, lang, person="jesper", now=T0), situation_card(PLAN, state, lang),
        log_entry_form(PLAN, state, lang), *pages,
    ]


# --- every card is valid and names the crisis ----------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("phase", PHASES)
def test_every_card_of_every_phase_is_valid_and_shows_the_crisis_id_first(phase: str, lang: str) -> None:
    for card in all_cards(crisis(*PHASES[phase]), lang):
        assert_valid_card(card)
        assert card["body"][0]["text"] == CRISIS
        assert card["body"][0]["size"] == "ExtraLarge"


@pytest.mark.parametrize("lang", LANGS)
def test_alarm_form_and_tap_answers_are_valid(lang: str) -> None:
    for card in (alarm_form(PLAN, lang), refused_card(lang, "Kun kriseleder kan afslutte."), result_card(lang, "OK", "Gemt.")):
        assert_valid_card(card)


def test_every_button_verb_and_input_id_is_one_the_handler_knows() -> None:
    for name in TEMPLATES:
        assert verbs(template(name)) <= {v.value for v in Verb}, name
        assert set(inputs(template(name))) <= DOCUMENTED_INPUTS, name


def test_every_crisis_button_names_the_crisis() -> None:
    for phase in PHASES.values():
        for card in all_cards(crisis(*phase), "da"):
            for node in walk(card):
                if node.get("type") == "Action.Execute":
                    assert node["data"]["crisis"] == CRISIS


# --- the alarm form ------------------------------------------------------------------------


def test_alarm_form_asks_for_source_deliveries_description_and_phone() -> None:
    card = alarm_form(PLAN, "da")
    fields = inputs(card)

    assert [c["value"] for c in fields["source"]["choices"]] == [s.id for s in PLAN.alarm_sources]
    assert fields["source"]["style"] == "compact" and fields["source"]["isRequired"]
    assert [c["value"] for c in fields["deliveries"]["choices"]] == [d.id for d in PLAN.deliveries]
    assert len(PLAN.deliveries) == 7 and fields["deliveries"]["isMultiSelect"]
    assert fields["description"]["isMultiline"] and fields["description"]["isRequired"]
    assert fields["description"]["maxLength"] == 4000
    assert fields["phone"]["style"] == "tel"
    assert verbs(card) == {Verb.RAISE_ALARM}
    assert "Claus Vagn Ohrt" in text(card)


# --- triage --------------------------------------------------------------------------------


def test_triage_card_shows_the_alarm_and_offers_the_triage_decisions() -> None:
    card = triage_card(PLAN, crisis(*ALARM), "da")

    assert verbs(card) == {Verb.ACKNOWLEDGE, Verb.TRIAGE_INFORM_DIRECTOR, Verb.TRIAGE_NOT_CRITICAL}
    assert inputs(card)["assessment"]["isRequired"]
    assert button(card, Verb.ACKNOWLEDGE)["associatedInputs"] == "None"
    for fact in ("Brugere af kritiske systemer", "O365, Hjemmeside", "Ingen kan sende mail.", "Lisbeth Kusk, tlf. 40 40 80 07", "12.03.2026 kl. 14:00"):
        assert fact in text(card)


@pytest.mark.parametrize(
    ("lang", "source", "deliveries"),
    [
        ("da", "Naboen (ukendt alarmkilde)", "Vandforsyning (ukendt leverance), O365"),
        ("en", "Naboen (unknown alarm source)", "Vandforsyning (unknown delivery), O365"),
    ],
)
def test_a_source_or_delivery_the_plan_does_not_know_is_flagged_on_the_triage_card(
    lang: str, source: str, deliveries: str
) -> None:
    alarm = AlarmRaised(source="Naboen", deliveries=["Vandforsyning", "o365"], description="Røg fra kælderen.")
    card = triage_card(PLAN, crisis(("system", alarm)), lang)

    facts = {visible(f["title"]): visible(f["value"]) for node in walk(card) if node.get("type") == "FactSet" for f in node["facts"]}
    assert source in facts.values() and deliveries in facts.values()


def test_acknowledged_triage_card_keeps_the_decisions_and_says_who_acknowledged() -> None:
    card = triage_card(PLAN, crisis(*TRIAGE_ACKED), "da")

    assert verbs(card) == {Verb.TRIAGE_INFORM_DIRECTOR, Verb.TRIAGE_NOT_CRITICAL}
    assert "Kvitteret af Claus Vagn Ohrt kl. 14:02" in text(card)


@pytest.mark.parametrize(
    ("phase", "decision"),
    [
        (DISMISSED, "Ikke kritisk – Claus Vagn Ohrt kl. 14:02\nKun én bruger berørt."),
        (DIRECTOR, "Kommunaldirektøren underrettet – Claus Vagn Ohrt kl. 14:02\nHele kommunen er uden mail."),
    ],
)
def test_decided_triage_card_has_no_buttons_and_shows_the_decision(phase: list[Step], decision: str) -> None:
    card = triage_card(PLAN, crisis(*phase), "da")

    assert verbs(card) == set()
    assert "assessment" not in inputs(card)
    assert decision in text(card)


# --- director ------------------------------------------------------------------------------


def test_director_card_shows_the_assessment_and_offers_the_director_decisions() -> None:
    card = director_card(PLAN, crisis(*DIRECTOR), "da", person="jesper", now=T0 + timedelta(minutes=3, seconds=10))

    assert verbs(card) == {Verb.ACKNOWLEDGE, Verb.DIRECTOR_ACTIVATE, Verb.DIRECTOR_INFORM, Verb.DIRECTOR_NO_ACTION}
    assert "Hele kommunen er uden mail." in text(card)
    assert inputs(card)["meeting_time"]["value"] == "14:35"  # 14:03:10 + 30 min, rounded up to 5 minutes
    members = inputs(card)["members"]
    assert members["isMultiSelect"]
    assert [c["value"] for c in members["choices"]] == ["emilbc", "cvo", "peter", "hjm", "lak", "marialouiserj"]
    assert inputs(card)["emails"]["label"] == "Andre i ledelsen (e-mailadresse)", "anyone else by address"
    assert "note" in inputs(card)


def test_the_deputy_directors_card_offers_everyone_but_himself() -> None:
    card = director_card(PLAN, crisis(*DIRECTOR), "da", person="emilbc", now=T0)

    choices = [c["value"] for c in inputs(card)["members"]["choices"]]
    assert choices == ["jesper", "cvo", "peter", "hjm", "lak", "marialouiserj"]


def test_meeting_time_on_the_five_minutes_is_kept() -> None:
    card = director_card(PLAN, crisis(*DIRECTOR), "da", person="jesper", now=T0)

    assert inputs(card)["meeting_time"]["value"] == "14:30"


def test_director_may_still_activate_after_informing_management() -> None:
    card = director_card(PLAN, crisis(*INFORMED), "da", person="jesper", now=T0)

    assert Verb.DIRECTOR_ACTIVATE in verbs(card)
    assert "Ledelsen underrettet: Henrik Jebjerg Mogensen – Jesper Thyrring Møller kl. 14:04" in text(card)


def test_director_card_after_activation_has_no_buttons_and_shows_who_decided() -> None:
    card = director_card(PLAN, crisis(*ACTIVATED), "da", person="jesper", now=T0)

    assert verbs(card) == set()
    assert "Kriseberedskab aktiveret – Jesper Thyrring Møller kl. 14:04" in text(card)


# --- summons -------------------------------------------------------------------------------


def test_summons_shows_roles_meeting_place_and_local_time() -> None:
    card = summons_card(PLAN, crisis(*ACTIVATED), "da", person="cvo")

    assert "ansvarlig for situationsbillede, log og dokumentation, ansvarlig for IT og Digitalisering" in text(card)
    assert "Mødested: Byrådssalen, Struer Rådhus" in text(card)
    assert "Mødetid: 14:45" in text(card)
    assert verbs(card) == {Verb.SUMMONS_COMING, Verb.SUMMONS_NOT_COMING}
    assert inputs(card)["eta"]["label"] == "Forventet ankomst"


def test_the_kriseleder_may_move_the_meeting_to_the_alternative_place() -> None:
    card = summons_card(PLAN, crisis(*ACTIVATED), "da", person="jesper")

    assert button(card, Verb.MEETING_ALTERNATIVE)["data"] == {"crisis": CRISIS, "place": "it-undervisningslokale"}


def test_after_the_move_the_summons_shows_the_alternative_place_and_no_move_button() -> None:
    state = crisis(*ACTIVATED, ("jesper", MeetingPlaceChanged(place="it-undervisningslokale")))
    card = summons_card(PLAN, state, "da", person="jesper")

    assert Verb.MEETING_ALTERNATIVE not in verbs(card)
    assert "IT-undervisningslokale, Peter Bangsvej 13, 7600 Struer (alternativt mødested)" in text(card)


def test_answered_summons_shows_the_answer_and_may_be_changed() -> None:
    card = summons_card(PLAN, crisis(*ANSWERED), "da", person="hjm")

    assert "Du har svaret: Kommer, ankomst 15 min" in text(card)
    assert inputs(card)["eta"]["value"] == "15 min"
    assert verbs(card) == {Verb.SUMMONS_COMING, Verb.SUMMONS_NOT_COMING}


def test_summons_of_a_closed_crisis_has_no_buttons_and_says_so() -> None:
    card = summons_card(PLAN, crisis(*CLOSED), "da", person="jesper")

    assert verbs(card) == set()
    assert "Krisen er afsluttet kl. 14:09." in text(card)


def test_summons_in_english() -> None:
    card = summons_card(PLAN, crisis(*ANSWERED), "en", person="hjm")

    assert "You answered: Coming, arrival 15 min" in text(card)
    assert button(card, Verb.SUMMONS_COMING)["title"] == "Coming"


# --- notices -------------------------------------------------------------------------------


def test_management_notice_says_who_informed_them_and_asks_for_an_acknowledgement() -> None:
    card = notice_card(PLAN, crisis(*INFORMED), "da", person="hjm", purpose=PagePurpose.INFORM)

    assert "Jesper Thyrring Møller har besluttet, at du skal underrettes om hændelsen." in text(card)
    assert verbs(card) == {Verb.ACKNOWLEDGE}


def test_acknowledged_notice_shows_when_and_has_no_button() -> None:
    state = crisis(*INFORMED, ack("hjm", ["okonomi"]))  # 14:06
    card = notice_card(PLAN, state, "da", person="hjm", purpose=PagePurpose.INFORM)

    assert verbs(card) == set()
    assert "Kvitteret kl. 14:06" in text(card)


def test_top_staff_notice_names_the_level_and_the_contact_role() -> None:
    card = page_card(PLAN, crisis(*RAISED), "da", person="cvo", purpose=PagePurpose.TOP_STAFF, now=T0)

    assert "Krisen er hævet til kommuneniveau. Du er kontaktperson ind i øverste krisestab som ansvarlig for situationsbillede, log og dokumentation." in text(card)
    assert verbs(card) == {Verb.ACKNOWLEDGE}


# --- the situation card --------------------------------------------------------------------

RECORDING = (Verb.RECORD_CONTACT, Verb.RECORD_EXTERNAL)


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("triage", {Verb.ADD_LOG_ENTRY, Verb.CLOSE, *RECORDING}),
        ("director", {Verb.ADD_LOG_ENTRY, Verb.CLOSE, *RECORDING}),
        ("activated", {Verb.ADD_LOG_ENTRY, Verb.LEVEL_CHANGE, Verb.CLOSE, Verb.RECORD_ARRIVAL, *RECORDING}),
        ("raised", {Verb.ADD_LOG_ENTRY, Verb.CLOSE, Verb.RECORD_ARRIVAL, *RECORDING}),
        ("dismissed", set()),
        ("closed", set()),
    ],
)
def test_situation_card_buttons_follow_the_phase(phase: str, expected: set[Verb]) -> None:
    assert verbs(situation_card(PLAN, crisis(*PHASES[phase]), "da")) == expected


def test_situation_card_offers_the_next_level() -> None:
    card = situation_card(PLAN, crisis(*ACTIVATED), "da")

    raise_level = button(card, Verb.LEVEL_CHANGE)
    assert raise_level["title"] == "Hæv til kommuneniveau"
    assert raise_level["data"] == {"crisis": CRISIS, "level": "kommune"}


def test_situation_card_lists_each_role_with_the_paged_person_and_acknowledgement() -> None:
    acks = [ack(person, roles) for person, roles in SUMMONED.items()]  # 14:09–14:12
    words = text(situation_card(PLAN, crisis(*ACTIVATED, *acks), "da"))

    assert "Status: Kriseberedskab aktiveret" in words
    for n, (person, roles) in enumerate(SUMMONED.items()):
        name = PLAN.person_by_id[person].name
        assert f"**{name}** · indkaldelse · sendt kl. 14:{5 + n:02} (Teams) · kvitteret kl. 14:{9 + n:02} (Teams)" in words
        for role in roles:
            assert f"**{PLAN.role_by_id[role].name}**" in words


def test_situation_card_shows_answers_top_staff_and_failures() -> None:
    state = crisis(
        *RAISED,
        ("system", PageFailed(person="lak", roles=["kommunikation"], purpose=PagePurpose.SUMMONS, channel="sms", reason="ugyldigt nummer")),
        ("hjm", SummonsAnswered(person="hjm", coming=False)),
    )
    words = text(situation_card(PLAN, state, "da"))

    assert "Kommer ikke (1)\n**Henrik Jebjerg Mogensen** – svar kl. 14:13" in words
    assert "Har ikke svaret (3)\n**Jesper Thyrring Møller**\n**Claus Vagn Ohrt**\n**Lisbeth Kusk**" in words
    assert "1 fejl, senest sms: ugyldigt nummer" in words
    assert "**Claus Vagn Ohrt** – Ansvarlig for situationsbillede, log og dokumentation" in words
    assert "Niveau: Kommuneniveau" in words


PHONE_WIDTH = 340
PHONE_SCREEN = 600
"""Pixels of a card a phone shows before one scrolls (Teams mobile, 340 px wide)."""


def height(node: dict[str, Any]) -> int:
    """A generous estimate of the pixels an element takes at ``PHONE_WIDTH`` (hidden elements take none)."""
    if node.get("isVisible") is False:
        return 0
    room = PHONE_WIDTH - 32
    spacing = 16 if node.get("separator") else 8
    match node.get("type"):
        case "TextBlock":
            line, char = {"ExtraLarge": (36, 16), "Large": (30, 13), "Medium": (26, 10)}.get(node.get("size", ""), (20, 8))
            return spacing + line * -(-len(node["text"]) * char // room)
        case "FactSet":
            return spacing + sum(
                22 * max(-(-len(f["title"]) * 8 // (room * 2 // 5)), -(-len(f["value"]) * 8 // (room * 3 // 5)))
                for f in node["facts"]
            )
        case "Container":
            return spacing + sum(height(item) for item in node["items"])
    return spacing + 40


def top_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The body elements a phone shows whole before one scrolls."""
    shown, used = [], 0
    for node in card["body"]:
        used += height(node)
        if used > PHONE_SCREEN:
            break
        shown.append(node)
    return shown


def hidden_texts(card: dict[str, Any]) -> list[str]:
    """The text of every TextBlock inside an element that is not visible until toggled."""
    return [n["text"] for hidden in walk(card) if hidden.get("isVisible") is False for n in walk(hidden) if n.get("type") == "TextBlock"]


MIXED = [  # answers at 14:09–14:12; Henrik's page failed by SMS before he answered
    *ACTIVATED,
    ("jesper", SummonsAnswered(person="jesper", coming=True, eta="20 min")),
    ("cvo", SummonsAnswered(person="cvo", coming=True, eta="efter mødet på skolen")),
    ("system", PageFailed(person="hjm", roles=["okonomi"], purpose=PagePurpose.SUMMONS, channel="sms", reason="ugyldigt nummer")),
    ("hjm", SummonsAnswered(person="hjm", coming=False)),
]


@pytest.mark.parametrize("silent", [[], [("system", PageFailed(person="lak", roles=["kommunikation"], purpose=p, channel=c, reason="timeout " + "y" * 100)) for p in PagePurpose for c in ("sms", "mail", "teams")]])
def test_the_top_of_the_situation_card_on_a_phone_says_who_is_coming_and_who_is_missing(silent: list[Step]) -> None:
    card = situation_card(PLAN, crisis(*MIXED, *silent), "da")
    top = text({"body": top_of(card)})

    assert "Status: Kriseberedskab aktiveret\nNiveau: Centerniveau\nMødested: Byrådssalen, Struer Rådhus\nMødetid: 14:45" in top
    assert "Kommer (2)\n**Jesper Thyrring Møller** – ankomst ca. 14:29 (svar kl. 14:09)" in top
    assert "**Claus Vagn Ohrt** – ankomst efter mødet på skolen (svar kl. 14:10)" in top
    assert "Kommer ikke (1)\n**Henrik Jebjerg Mogensen** – svar kl. 14:12" in top
    assert "Har ikke svaret (1)\n**Lisbeth Kusk**" in top
    assert "⚠ Ingen kommer for: Ansvarlig for økonomi, Ansvarlig for kommunikation" in top
    assert "fejl" not in top and "sms" not in top and "ugyldigt nummer" not in top
    failures = [t for t in text(card).split("\n") if "fejl" in t]
    assert failures and all(t in hidden_texts(card) for t in failures), "delivery failures wait behind the toggle"
    [toggle] = [n for n in walk(card) if n.get("type") == "Action.ToggleVisibility"]
    assert toggle["title"] == "Vis leveringsdetaljer"
    assert [n for n in walk(card) if n.get("id") in toggle["targetElements"]][0]["isVisible"] is False


def test_a_role_counts_as_covered_when_a_deputy_is_coming() -> None:
    state = crisis(*MIXED, sent("emilbc", ["okonomi"], PagePurpose.SUMMONS), ("emilbc", SummonsAnswered(person="emilbc", coming=True)))
    words = text(situation_card(PLAN, state, "da"))

    assert "⚠ Ingen kommer for: Ansvarlig for kommunikation" in words
    assert "Kommer (3)" in words and "**Emil B. Christensen** – svar kl. 14:14" in words


def test_before_activation_the_situation_card_says_who_acknowledged_the_decision_it_waits_for() -> None:
    words = text(situation_card(PLAN, crisis(*TRIAGE_ACKED), "da"))
    assert "Kvitteret (1)\n**Claus Vagn Ohrt** – kvitteret kl. 14:02" in words
    assert "Ingen kommer" not in words

    words = text(situation_card(PLAN, crisis(*DIRECTOR), "da"))
    assert "Har ikke kvitteret (1)\n**Jesper Thyrring Møller**" in words


def test_situation_card_shows_the_last_five_log_lines() -> None:
    lines = [("cvo", LogEntryAdded(kind=LogEntryKind.BESLUTNING, text=f"Linje {n}")) for n in range(8)]
    words = text(situation_card(PLAN, crisis(*ACTIVATED, *lines), "da"))

    assert "De seneste 5 af 8 linjer." in words
    assert "Linje 2" not in words
    assert "14:16 · **Beslutning** · Claus Vagn Ohrt: Linje 7" in words


def test_log_entry_form_offers_the_three_kinds() -> None:
    card = log_entry_form(PLAN, crisis(*ACTIVATED), "da")

    assert [c["title"] for c in inputs(card)["kind"]["choices"]] == ["Handling", "Beslutning", "Undladelse"]
    assert inputs(card)["text"]["isRequired"]
    assert verbs(card) == {Verb.ADD_LOG_ENTRY}


@pytest.mark.parametrize("plan", [PLAN, SUMMONING], ids=["bundled", "summoning"])
@pytest.mark.parametrize("lang", LANGS)
def test_situation_card_of_a_long_crisis_fits_in_a_teams_message(lang: str, plan: Plan) -> None:
    long = "x" * 4000
    failures = [
        ("system", PageFailed(person=person, roles=[role.id], purpose=purpose, channel="sms", reason="timeout " + "y" * 500))
        for role in PLAN.roles for person in role.chain for purpose in PagePurpose for _ in range(3)
    ]
    pages = [
        sent(person, [role.id], purpose, channel)
        for role in PLAN.roles for person in role.chain for purpose in PagePurpose for channel in ("teams", "sms", "mail")
    ]
    state = crisis(
        ("lak", AlarmRaised(source="cfcs", deliveries=[d.id for d in PLAN.deliveries], description=long, reporter_phone="1" * 40)),
        ("cvo", Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment=long)),
        ("jesper", DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=T0, note=long)),
        *pages,
        *failures,
        *(ack(p.id, []) for p in PLAN.people),
        *((p.id, SummonsAnswered(person=p.id, coming=True, eta="z" * 200)) for p in PLAN.people),
        ("jesper", LevelChanged(level="kommune", contacts=["jesper", "cvo"])),
        *(("cvo", LogEntryAdded(kind=LogEntryKind.HANDLING, text=long)) for _ in range(50)),
    )
    card = situation_card(plan, state, lang)

    assert_valid_card(card)
    assert len(json.dumps(card, ensure_ascii=False).encode()) < MAX_CARD_BYTES


# --- user text is text ---------------------------------------------------------------------


HOSTILE = [
    ("alarm:" + EVIL_LINE, AlarmRaised(source="brugere", deliveries=["o365"], description=EVIL, reporter_phone="<i>40</i> 40 80 07")),
    sent("cvo", ["it"], PagePurpose.TRIAGE),
    ("system", PageFailed(person="cvo", roles=["it"], purpose=PagePurpose.TRIAGE, channel="sms", reason=EVIL_LINE)),
    ("cvo", Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment=EVIL)),
    ("jesper", DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=T0 + timedelta(minutes=45), note=EVIL)),
    *(sent(person, roles, PagePurpose.SUMMONS) for person, roles in SUMMONED.items()),
    ("hjm", SummonsAnswered(person="hjm", coming=True, eta=EVIL_LINE)),
    ("hjm", LogEntryAdded(kind=LogEntryKind.HANDLING, text=EVIL)),
]


@pytest.mark.parametrize("lang", LANGS)
def test_what_people_and_alarm_systems_write_shows_as_written_on_every_card(lang: str) -> None:
    state = crisis(*HOSTILE)
    pages = [page_card(PLAN, state, lang, person=p.person, purpose=p.purpose, now=T0) for p in state.pages]
    cards = [
        triage_card(PLAN, state, lang), director_card(PLAN, state, lang, person="jesper", now=T0), situation_card(PLAN, state, lang),
        notice_card(PLAN, state, lang, person="hjm", purpose=PagePurpose.INFORM), *pages,
    ]

    for card in cards:
        texts = shown_texts(card)
        assert not [t for t in texts if links(t)], "user text became a link"
        assert not [t for t in texts if "{{" in t], "user text became an Adaptive Cards date"
        assert EVIL in [visible(t) for t in texts], "the alarm description does not read as typed"
    words = "\n".join(visible(t) for t in shown_texts(situation_card(PLAN, state, lang)))
    for typed in (EVIL, "<i>40</i> 40 80 07", f"alarm:{EVIL_LINE}", f"sms: {EVIL_LINE}", EVIL_LINE):
        assert typed in words
    assert words.count(EVIL) == 4, "description, assessment, note and log entry"


def test_the_bots_own_markdown_still_formats() -> None:
    words = [t for t in shown_texts(situation_card(PLAN, crisis(*HOSTILE), "da")) if t.startswith("**")]

    assert "**Henrik Jebjerg Mogensen** – ankomst" in "\n".join(words)
    assert visible("**IT's vurdering:** x") == "IT's vurdering: x"


@pytest.mark.parametrize("plan", [PLAN, SUMMONING], ids=["bundled", "summoning"])
def test_a_situation_card_of_hostile_text_still_fits_in_a_teams_message(plan: Plan) -> None:
    """Every external participant called in with a long note; one Krisebot may summon summoned, answering with a long
    arrival (its line is the longest an external participant can have)."""
    worst = "*" * 4000
    state = crisis(
        ("lak", AlarmRaised(source="cfcs", deliveries=["o365"], description=worst, reporter_phone="<" * 40)),
        ("cvo", Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment=worst)),
        ("jesper", DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=T0, note=worst)),
        *(("cvo", LogEntryAdded(kind=LogEntryKind.HANDLING, text=worst)) for _ in range(10)),
        *(
            ("jesper", ExternalContacted(external=external.id, status=ExternalStatus.TILKALDT, note=worst))
            if not external.summon else ("jesper", ExternalSummoned(external=external.id, note=worst))
            for external in plan.external_participants
        ),
        *(
            (external.id, ExternalAnswered(external=external.id, coming=True, eta="*" * 200, via="sms"))
            for external in plan.external_participants if external.summon
        ),
    )
    card = situation_card(plan, state, "da")

    assert_valid_card(card)
    assert len(json.dumps(card, ensure_ascii=False).encode()) < MAX_CARD_BYTES


# --- tap answers ---------------------------------------------------------------------------


def test_refused_card_says_nothing_was_done_and_why() -> None:
    card = refused_card("da", "Kun kriselederen kan afslutte krisen.")

    assert text(card) == "Det blev ikke gjort\nKun kriselederen kan afslutte krisen."
    assert verbs(card) == set()


def test_result_card_shows_title_and_message() -> None:
    assert text(result_card("en", "Saved", "Written in the log.")) == "Saved\nWritten in the log."



def test_a_closed_crisis_warns_of_no_role_nobody_comes_for() -> None:
    words = text(situation_card(PLAN, crisis(*MIXED, ("jesper", CrisisClosed(note="Strømmen er tilbage"))), "da"))

    assert "Status: Afsluttet" in words
    assert "⚠" not in words and "Ingen kommer" not in words
    assert "Har ikke svaret (1)\n**Lisbeth Kusk**" in words, "who did not answer stays on record"
