"""SMS replies and page texts: what each person is offered, what a reply does, what the SMS says."""

import pytest

from bot.channels.sms.gsm import gsm7, segments, septets
from bot.channels.sms.text import ReplyRoute, page_text, status_text
from bot.core.actions import Acknowledge, AnswerSummons, ChangeLevel, Close, Decide, RaiseAlarm, Triage
from bot.core.events import DirectorDecision, PagePurpose, TriageDecision
from bot.core.replies import STATUS, CodedReply, Reply, SmsAlarm, parse_reply, reply_action, reply_options
from bot.plan import Plan, load_plan
from bot.resources import default_plan_path
from tests.stories import T0, activated, at_director, raised, run



@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())










@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1K", CodedReply(1, Reply.ACKNOWLEDGE)),
        (" 12 k ", CodedReply(12, Reply.ACKNOWLEDGE)),
        ("3a tak", CodedReply(3, Reply.ACTIVATE, "tak")),
        ("2K 20", CodedReply(2, Reply.ACKNOWLEDGE, "20")),
        ("2 n ", CodedReply(2, Reply.NOT_COMING)),
        ("status", STATUS),
        ("Status.", STATUS),
        ("ALARM O365 er nede", SmsAlarm("O365 er nede")),
        ("alarm", SmsAlarm("")),
        ("1X", None),
        ("ok", None),
        ("", None),
    ],
)
def test_replies_are_read_as_code_and_letter(text: str, parsed) -> None:
    assert parse_reply(text) == parsed


def test_the_it_head_is_offered_the_triage_answers_and_the_director_is_not(plan: Plan) -> None:
    state = raised(plan)
    assert reply_options(plan, state, PagePurpose.TRIAGE, "cvo") == [Reply.ACKNOWLEDGE, Reply.INFORM_DIRECTOR, Reply.NOT_CRITICAL]
    assert reply_options(plan, state, PagePurpose.TRIAGE, "jesper") == [Reply.ACKNOWLEDGE, Reply.CLOSE]


def test_the_director_may_activate_raise_the_level_and_close(plan: Plan) -> None:
    assert reply_options(plan, at_director(plan), PagePurpose.DIRECTOR, "jesper") == [
        Reply.ACKNOWLEDGE, Reply.ACTIVATE, Reply.CLOSE,
    ]
    assert reply_options(plan, activated(plan), PagePurpose.SUMMONS, "jesper") == [
        Reply.ACKNOWLEDGE, Reply.NOT_COMING, Reply.RAISE_LEVEL, Reply.CLOSE,
    ]
    assert reply_options(plan, activated(plan), PagePurpose.SUMMONS, "hjm") == [Reply.ACKNOWLEDGE, Reply.NOT_COMING]
    assert Reply.NOT_COMING not in reply_options(plan, activated(plan), PagePurpose.TOP_STAFF, "jesper")


def act(plan: Plan, state, purpose: PagePurpose, raw: str):
    """The action an SMS ``raw`` (``KRISE 1K``) to a page for ``purpose`` asks for."""
    parsed = parse_reply(raw.removeprefix("KRISE"))
    assert isinstance(parsed, CodedReply)
    return reply_action(plan, state, purpose, parsed)


def test_each_reply_asks_for_its_lifecycle_action_with_the_words_after_the_letter_as_its_note(plan: Plan) -> None:
    state = activated(plan)
    assert act(plan, state, PagePurpose.TOP_STAFF, "1K") == Acknowledge(via="sms")
    assert act(plan, state, PagePurpose.SUMMONS, "1E") == ChangeLevel("kommune")
    assert act(plan, state, PagePurpose.SUMMONS, "1L ") == Close()
    assert act(plan, state, PagePurpose.SUMMONS, "1L Alt kører igen") == Close(note="Alt kører igen")
    assert act(plan, raised(plan), PagePurpose.TRIAGE, "2I") == Triage(TriageDecision.NOT_CRITICAL, None, via="sms")
    assert act(plan, raised(plan), PagePurpose.TRIAGE, "2D Hele O365 er nede") == Triage(
        TriageDecision.INFORM_DIRECTOR, "Hele O365 er nede", via="sms"
    )
    assert act(plan, at_director(plan), PagePurpose.DIRECTOR, "KRISE 1A") == Decide(DirectorDecision.ACTIVATE, via="sms")


@pytest.mark.parametrize(
    ("raw", "action"),
    [
        ("2K", AnswerSummons(coming=True, via="sms")),
        ("2K 20", AnswerSummons(coming=True, via="sms", eta="20 min")),
        ("2k ca. 45 min.", AnswerSummons(coming=True, via="sms", eta="45 min")),
        ("2K om 5 minutter", AnswerSummons(coming=True, via="sms", eta="5 min")),
        ("2K når bussen kommer", AnswerSummons(coming=True, via="sms", eta="når bussen kommer")),
        ("2N", AnswerSummons(coming=False, via="sms")),
    ],
)
def test_on_a_summons_k_is_coming_with_the_minutes_after_it_and_n_is_not_coming(plan: Plan, raw: str, action) -> None:
    assert act(plan, activated(plan), PagePurpose.SUMMONS, raw) == action


def test_there_is_no_level_to_raise_to_at_the_top(plan: Plan) -> None:
    top = run(plan, activated(plan), ChangeLevel("kommune"), "jesper")
    assert act(plan, top, PagePurpose.SUMMONS, "1E") is None
    assert Reply.RAISE_LEVEL not in reply_options(plan, top, PagePurpose.SUMMONS, "jesper")


ROUTES = [ReplyRoute(), ReplyRoute(keyword="KRISE", number="1204")]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("purpose", list(PagePurpose))
def test_every_page_text_is_gsm7_at_most_two_segments_and_keeps_its_reply_codes(
    plan: Plan, purpose: PagePurpose, route: ReplyRoute
) -> None:
    state = run(plan, activated(plan), ChangeLevel("kommune"), "jesper")
    long = raised(plan, "Alt er nede – “Exchange”, Teams og SharePoint … " * 40)
    for crisis in (state, long):
        replies = [Reply.ACKNOWLEDGE, Reply.INFORM_DIRECTOR, Reply.NOT_CRITICAL, Reply.CLOSE]
        text = page_text(
            plan, crisis, purpose=purpose, person="cvo", roles=("situationsbillede", "it"), code=17, replies=replies, route=route
        )
        assert text == gsm7(text)
        assert septets(text) <= 306 and segments(text) <= 2
        assert "K-2026-001" in text
        for reply in replies:
            assert route.code(f"17{reply.value}") in text
        assert "“" not in text and "–" not in text and "None" not in text


def test_a_summons_says_where_and_when_to_meet(plan: Plan) -> None:
    text = page_text(
        plan, activated(plan), purpose=PagePurpose.SUMMONS, person="hjm", roles=("okonomi",), code=1,
        replies=[Reply.ACKNOWLEDGE, Reply.NOT_COMING], route=ReplyRoute(keyword="KRISE", number="1204"),
    )
    assert "Byrådssalen" in text and "kl. 09:00" in text
    assert 'Svar til 1204: "KRISE 1K" kommer (+ minutter), "KRISE 1N" kommer ikke.' in text


def test_an_sms_after_an_unanswered_call_names_the_number_the_call_came_from(plan: Plan) -> None:
    long = raised(plan, "Alt er nede " * 60)
    text = page_text(
        plan, long, purpose=PagePurpose.TRIAGE, person="cvo", roles=("it",), code=3, replies=[Reply.ACKNOWLEDGE],
        route=ReplyRoute(keyword="KRISE", number="1204"), called_from="+4596848000",
    )
    assert "Vi ringede fra +4596848000 uden svar." in text and '"KRISE 3K"' in text
    assert segments(text) <= 2


def director_sms(plan: Plan, reply: str, description: str = "Exchange svarer ikke. Brug mail.") -> str:
    """The director's SMS after the IT head triaged by the SMS ``reply``."""
    state = run(plan, raised(plan, description), act(plan, raised(plan, description), PagePurpose.TRIAGE, reply), "cvo")
    return page_text(
        plan, state, purpose=PagePurpose.DIRECTOR, person="jesper", roles=("kriseleder",), code=1,
        replies=[Reply.ACTIVATE], route=ReplyRoute(keyword="KRISE", number="1204"),
    )


def test_a_bare_code_is_no_assessment_and_every_sentence_ends_once(plan: Plan) -> None:
    text = director_sms(plan, "KRISE 1D")
    assert "O365: Exchange svarer ikke. Brug mail. Svar til 1204:" in text
    assert "Vurdering" not in text and "1D" not in text and ".." not in text


def test_words_after_the_code_are_the_assessment_the_director_reads(plan: Plan) -> None:
    text = director_sms(plan, "KRISE 1D Alle er ramt", description="Exchange svarer ikke")
    assert "O365: Exchange svarer ikke. Vurdering: Alle er ramt. Svar til 1204:" in text


def test_status_lists_the_open_crises(plan: Plan) -> None:
    assert status_text(plan, []) == "ingen aktiv krise."
    text = status_text(plan, [activated(plan)])
    assert "K-2026-001" in text and "kriseberedskab aktiveret" in text


def test_sms_goes_at_once_during_an_outage_for_escalations_and_for_o365_alarms(plan: Plan) -> None:
    from bot.core.escalation import Attempt
    from bot.engine.pager import fallback_at_once

    first = Attempt("cvo", ("it",), PagePurpose.TRIAGE, T0, 0)
    deputy = Attempt("peter", ("it",), PagePurpose.TRIAGE, T0, 1)
    wages = run(plan, None, RaiseAlarm("K-2026-001", "brugere", ("lonudbetaling",), "Lønkørslen fejler"), "lak")
    assert not fallback_at_once(plan, wages, first, outage=False)
    assert fallback_at_once(plan, wages, first, outage=True)
    assert fallback_at_once(plan, wages, deputy, outage=False)
    assert fallback_at_once(plan, raised(plan), first, outage=False)
