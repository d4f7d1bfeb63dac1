"""A call's keypad and words: which keys each person is offered in each phase, what a key does, what the call says."""

from datetime import UTC, datetime

import pytest

from bot.core.actions import Acknowledge, AnswerSummons, Close, Decide, MoveMeeting, Triage
from bot.core.events import DirectorDecision, PagePurpose, TriageDecision
from bot.core.replies import Answer, Key, key_action, keyed_arrival, keyed_eta, keypad, sms_eta
from bot.plan import Plan, load_plan
from bot.render.page_words import (
    arrival_logged,
    arrival_noted,
    arrival_unusable,
    arrival_unusable_logged,
    call_script,
    coming_ask_arrival,
    crisis_closed,
    key_accepted,
    key_already_registered,
    key_refused,
    key_unusable,
    no_key,
    spoken_id,
    voicemail,
)
from bot.resources import default_plan_path
from tests.stories import MEETING, activated, at_director, raised, run



@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())










def digits(keys: list[Key]) -> list[tuple[str, str]]:
    return [(key.digit, key.label) for key in keys]


# --- the keypad ----------------------------------------------------------------------------


def test_the_it_head_may_triage_by_keypad_and_the_director_may_only_acknowledge(plan: Plan) -> None:
    state = raised(plan)
    assert digits(keypad(plan, state, PagePurpose.TRIAGE, "cvo")) == [
        ("1", "kvittér"), ("2", "underret kommunaldirektøren"), ("3", "ikke kritisk"), ("9", "hør igen"),
    ]
    assert digits(keypad(plan, state, PagePurpose.TRIAGE, "jesper")) == [("1", "kvittér"), ("9", "hør igen")]


def test_once_triaged_the_triage_page_only_acknowledges(plan: Plan) -> None:
    assert digits(keypad(plan, at_director(plan), PagePurpose.TRIAGE, "cvo")) == [("1", "kvittér"), ("9", "hør igen")]


def test_the_director_may_activate_by_keypad_and_the_it_head_may_not(plan: Plan) -> None:
    state = at_director(plan)
    assert digits(keypad(plan, state, PagePurpose.DIRECTOR, "jesper")) == [
        ("1", "kvittér"), ("2", "aktivér kriseberedskabet"), ("9", "hør igen"),
    ]
    assert digits(keypad(plan, state, PagePurpose.DIRECTOR, "cvo")) == [("1", "kvittér"), ("9", "hør igen")]
    assert digits(keypad(plan, activated(plan, MEETING), PagePurpose.DIRECTOR, "jesper")) == [("1", "kvittér"), ("9", "hør igen")]


def test_summoned_members_answer_coming_or_not(plan: Plan) -> None:
    state = activated(plan, MEETING)
    for person in ("hjm", "lak", "cvo", "jesper"):
        assert digits(keypad(plan, state, PagePurpose.SUMMONS, person)) == [
            ("1", "kommer"), ("2", "kommer ikke"), ("9", "hør igen"),
        ], person
    assert digits(keypad(plan, state, PagePurpose.SUMMONS, "peter")) == [("9", "hør igen")], "peter is not summoned"


@pytest.mark.parametrize(
    "purpose", [PagePurpose.INFORM, PagePurpose.TOP_STAFF, PagePurpose.MEETING_MOVED, PagePurpose.MONITORING]
)
def test_every_other_page_acknowledges(plan: Plan, purpose: PagePurpose) -> None:
    assert digits(keypad(plan, activated(plan, MEETING), purpose, "jesper")) == [("1", "kvittér"), ("9", "hør igen")]


def test_a_closed_crisis_offers_no_key(plan: Plan) -> None:
    closed = run(plan, activated(plan, MEETING), Close(), "jesper")
    assert all(keypad(plan, closed, purpose, "jesper") == [] for purpose in PagePurpose)


def test_each_key_asks_for_its_lifecycle_action_by_telephone(plan: Plan) -> None:
    assert key_action(plan, raised(plan), PagePurpose.TRIAGE, "1") == Acknowledge(via="telefon")
    assert key_action(plan, raised(plan), PagePurpose.TRIAGE, "2") == Triage(
        TriageDecision.INFORM_DIRECTOR, None, via="telefon"
    )
    assert key_action(plan, raised(plan), PagePurpose.TRIAGE, "3") == Triage(
        TriageDecision.NOT_CRITICAL, None, via="telefon"
    )
    assert key_action(plan, at_director(plan), PagePurpose.DIRECTOR, "2") == Decide(
        DirectorDecision.ACTIVATE, via="telefon"
    )
    assert key_action(plan, activated(plan, MEETING), PagePurpose.SUMMONS, "1") == AnswerSummons(coming=True, via="telefon")
    assert key_action(plan, activated(plan, MEETING), PagePurpose.SUMMONS, "2") == AnswerSummons(coming=False, via="telefon")
    assert key_action(plan, activated(plan, MEETING), PagePurpose.INFORM, "1") == Acknowledge(via="telefon")


@pytest.mark.parametrize(("purpose", "digit"), [(PagePurpose.TRIAGE, "9"), (PagePurpose.INFORM, "2"), (PagePurpose.SUMMONS, "3"), (PagePurpose.DIRECTOR, "*")])
def test_the_repeat_key_and_keys_a_page_has_not_are_no_action(plan: Plan, purpose: PagePurpose, digit: str) -> None:
    assert key_action(plan, raised(plan), purpose, digit) is None


def test_a_key_the_keypad_offers_is_accepted_by_the_lifecycle(plan: Plan) -> None:
    state = activated(plan, MEETING)
    [coming, *_] = keypad(plan, state, PagePurpose.SUMMONS, "hjm")
    after = run(plan, state, key_action(plan, state, PagePurpose.SUMMONS, coming.digit), "hjm")
    assert after.answers["hjm"].coming and coming.answer is Answer.COMING


# --- the minutes after «kommer» ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "eta"),
    [("20#", "20 min"), ("20", "20 min"), ("007#", "7 min"), ("600#", "600 min"), ("1", "1 min"), ("#", ""),
     ("", None), ("0#", None), ("601#", None), ("999", None), ("1000#", None), ("*#", None), ("2*#", None),
     ("²#", None), ("20##", None)],
)
def test_the_minutes_typed_after_kommer_are_the_arrival_an_sms_would_give(typed: str, eta: str | None) -> None:
    assert keyed_eta(typed) == eta
    if eta:
        assert sms_eta(typed.rstrip("#")) == eta, "the same arrival as «1K 20» by SMS"


def test_the_minutes_give_kommer_a_new_arrival(plan: Plan) -> None:
    state = activated(plan, MEETING)
    coming = run(plan, state, key_action(plan, state, PagePurpose.SUMMONS, "1"), "hjm")
    assert keyed_arrival("20 min") == AnswerSummons(coming=True, via="telefon", eta="20 min")
    arriving = run(plan, coming, keyed_arrival("20 min"), "hjm")
    assert (arriving.answers["hjm"].coming, arriving.answers["hjm"].eta) == (True, "20 min")


def test_the_call_asks_for_the_minutes_and_says_when_the_person_is_noted_to_arrive() -> None:
    answered = datetime(2026, 11, 28, 13, 15, tzinfo=UTC)  # 14:15 in Struer
    asked = coming_ask_arrival(already=False)
    assert asked == [
        "Tak.", "Det er registreret: du kommer.", "Hvor mange minutter går der, før du er fremme?",
        "Tast tallet, og afslut med firkant.", "Tast blot firkant, hvis du ikke ved det.",
    ]
    assert coming_ask_arrival(already=True)[:2] == ["Det var allerede registreret: du kommer.", asked[2]]
    assert arrival_noted("20 min", answered) == [
        "Tak.", "Du er noteret til at være fremme om cirka 20 minutter, klokken 14:35.", "Farvel.",
    ]
    assert arrival_noted("1 min", answered)[1] == "Du er noteret til at være fremme om cirka 1 minut, klokken 14:16."
    assert arrival_noted("", answered) == ["Tak.", "Du er noteret til at komme.", "Farvel."]
    assert arrival_unusable("700") == [
        "Det er ikke et antal minutter mellem 1 og 600.", "Du er noteret til at komme, men uden et tidspunkt.", "Farvel.",
    ]
    assert arrival_unusable("")[0] == "Der blev ikke tastet nogen minutter."
    said = [*asked, *arrival_noted("20 min", answered), *arrival_noted("", answered), *arrival_unusable("700")]
    for line in said:
        assert line.endswith((".", "?")) and line.count(". ") == 0, f"one sentence a line: {line}"
        assert not any(mark in line for mark in ("#", "kl.", "min.", "ca.")), f"said as it is read aloud: {line}"
    assert arrival_logged("20 min") == "ankomst om 20 min pr. telefon"
    assert arrival_logged("") == "kommer, uden ankomsttid"
    assert arrival_unusable_logged() == "ikke et antal minutter mellem 1 og 600; intet ændret"


# --- what the call says --------------------------------------------------------------------


def spoken(lines: list[str]) -> str:
    return " ".join(lines)


def test_the_script_says_who_calls_the_crisis_what_happened_the_roles_and_the_keys(plan: Plan) -> None:
    state = raised(plan)
    script = call_script(plan, state, PagePurpose.TRIAGE, "cvo", ("it",), keypad(plan, state, PagePurpose.TRIAGE, "cvo"))

    assert script == [
        "Dette er Krisebot for Struer Kommune.",
        "Det gælder krise K, 2026, 0 0 1.",
        "Der er kommet en kritisk alarm, som du skal vurdere.",
        "Alarmen lyder: Exchange svarer ikke.",
        "Du får beskeden som ansvarlig for IT og Digitalisering.",
        "Tryk 1 for at kvittere.",
        "Tryk 2 for at underrette kommunaldirektøren.",
        "Tryk 3, hvis alarmen ikke er kritisk.",
        "Tryk 9 for at høre beskeden igen.",
    ]


def test_a_summons_says_where_and_when_to_meet(plan: Plan) -> None:
    state = activated(plan, MEETING)
    text = spoken(call_script(
        plan, state, PagePurpose.SUMMONS, "hjm", ("okonomi", "kommunikation"), keypad(plan, state, PagePurpose.SUMMONS, "hjm")
    ))

    assert "Du indkaldes som ansvarlig for økonomi og ansvarlig for kommunikation." in text
    assert "Mødested: Byrådssalen, Struer Rådhus. Mødetid: klokken 09:45." in text
    assert text.endswith("Tryk 1, hvis du kommer. Tryk 2, hvis du ikke kommer. Tryk 9 for at høre beskeden igen.")


def test_a_moved_meeting_says_the_new_place(plan: Plan) -> None:
    state = run(plan, activated(plan, MEETING), MoveMeeting("it-undervisningslokale"), "jesper")
    text = spoken(call_script(plan, state, PagePurpose.MEETING_MOVED, "hjm", ("okonomi",), keypad(plan, state, PagePurpose.MEETING_MOVED, "hjm")))

    assert "Mødestedet for krisestaben er flyttet." in text
    assert "Mødested: IT-undervisningslokale, Peter Bangsvej 13, 7600 Struer, det alternative mødested." in text
    assert text.endswith("Tryk 1 for at kvittere. Tryk 9 for at høre beskeden igen.")


def test_the_script_reads_the_description_on_one_line_and_clipped(plan: Plan) -> None:
    state = raised(plan, "Alt er nede.\n\n**Exchange**   og Teams " * 30)
    [what] = [line for line in call_script(plan, state, PagePurpose.TRIAGE, "cvo", (), []) if line.startswith("Alarmen lyder")]

    assert "\n" not in what and "  " not in what
    assert len(what) <= len("Alarmen lyder: ") + 200 and what.endswith("…")


@pytest.mark.parametrize("purpose", list(PagePurpose))
def test_every_line_of_every_script_is_a_short_plain_sentence(plan: Plan, purpose: PagePurpose) -> None:
    state = activated(plan, MEETING)
    script = call_script(plan, state, purpose, "hjm", ("okonomi",), keypad(plan, state, purpose, "hjm"))

    assert script[:2] == ["Dette er Krisebot for Struer Kommune.", "Det gælder krise K, 2026, 0 0 1."]
    for line in script:
        assert line.endswith((".", "…")) and line.count(". ") == 0, f"one sentence a line: {line}"
        assert not any(mark in line for mark in ("**", "_", "#", "`", "kl.", "fx", "tlf.", "{", "None")), line


def test_the_crisis_id_is_spoken_in_groups() -> None:
    assert spoken_id("K-2026-001") == "K, 2026, 0 0 1"
    assert spoken_id("K-2026-123") == "K, 2026, 1 2 3"
    assert spoken_id("X7") == "X 7"


def test_the_call_desk_sentences(plan: Plan) -> None:
    state = activated(plan, MEETING)
    keys = keypad(plan, state, PagePurpose.SUMMONS, "hjm")

    assert key_accepted(Answer.ACKNOWLEDGE) == ["Tak.", "Det er registreret: kvitteret.", "Farvel."]
    assert key_accepted(Answer.NOT_COMING) == ["Tak.", "Det er registreret: du kommer ikke.", "Farvel."]
    assert key_already_registered(Answer.COMING) == ["Det var allerede registreret: du kommer.", "Farvel."]
    assert key_refused("Det kan ikke gøres nu: krisen er allerede gået videre.") == [
        "Det blev ikke registreret.", "Det kan ikke gøres nu: krisen er allerede gået videre.", "Farvel.",
    ]
    assert key_unusable("5", keys) == [
        "Tasten 5 kan ikke bruges.", "Tryk 1, hvis du kommer.", "Tryk 2, hvis du ikke kommer.",
        "Tryk 9 for at høre beskeden igen.",
    ]
    assert key_unusable("#", keys)[0] == "Tasten firkant kan ikke bruges."
    assert no_key(plan, PagePurpose.SUMMONS, "cvo") == ["Der blev ikke trykket på nogen tast.", "Krisebot prøver igen på anden måde.", "Farvel."]
    assert crisis_closed(plan, state) == [
        "Dette er Krisebot for Struer Kommune.", "Krise K, 2026, 0 0 1 er afsluttet.", "Du skal ikke møde op.", "Farvel.",
    ], "those summoned are told not to come"


def test_a_voicemail_says_nothing_was_acknowledged_and_where_to_answer(plan: Plan) -> None:
    message = voicemail(plan, activated(plan, MEETING), PagePurpose.SUMMONS, "hjm", sms=True)

    assert message == [
        "Dette er Krisebot for Struer Kommune.",
        "Det gælder krise K, 2026, 0 0 1.",
        "Kriseberedskabet er aktiveret, og du indkaldes.",
        "Beskeden er ikke kvitteret.",
        "Svar på sms'en fra Krisebot, eller svar i Teams.",
        "Farvel.",
    ]
    without_mobile = voicemail(plan, activated(plan, MEETING), PagePurpose.SUMMONS, "hjm", sms=False)
    assert without_mobile[-2:] == ["Svar i Teams.", "Farvel."], "no SMS is promised to someone without a mobile"
