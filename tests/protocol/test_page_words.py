"""Every page purpose on every channel: the Teams card, the activity feed, the mail, the SMS and the call each
carry Danish words that name the crisis (feed and mail through the real msgraph-sdk client against a fake Graph)."""

import html
import re
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import pytest
from msgraph import GraphServiceClient

from bot.channels.base import PageRequest
from bot.channels.feed import FeedNotifier
from bot.channels.mail import MailNotifier
from bot.channels.sms.text import ReplyRoute, page_text
from bot.core.actions import Action, Decide, MoveMeeting, RaiseAlarm, SummonExternal, Triage
from bot.core.end_notices import END_NOTICES
from bot.core.events import DirectorDecision, Event, PagePurpose, RoleUncovered, TriageDecision
from bot.core.lifecycle import Accepted, step
from bot.core.replies import keypad, reply_options
from bot.core.state import CrisisState, apply
from bot.errors import PermanentError
from bot.graph.client import open_graph
from bot.plan import Plan, load_plan
from bot.render.crisis_cards import page_card
from bot.render.page_words import call_script, page_title, spoken_id
from bot.render.texts import TEXTS
from bot.resources import default_plan_path
from bot.settings import load_settings
from tests.fakes.graph import RETRY_WAIT_SCALE, FakeCredential, FakeGraph
from tests.markdown import shown_texts, visible
from tests.plans import summoning_plan

PLAN = load_plan(default_plan_path())
CVO = PLAN.person_by_id["cvo"]
EMIL = PLAN.person_by_id["emilbc"]
"""The second in the chains of kriseleder and økonomi."""
ROLES = ("it", "situationsbillede")
CRISIS = "K-2026-001"
T0 = datetime(2026, 3, 12, 13, 0, tzinfo=timezone.utc)
PURPOSES = list(PagePurpose)
IN_TEAMS = [purpose for purpose in PURPOSES if purpose is not PagePurpose.EXTERNAL]
"""Every purpose but an external participant's summons, which goes by SMS and call only."""
DESCRIPTION = "Exchange Online: 503 Service Unavailable"
"""No Danish word in it: the Danish a channel shows is its own."""


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-zæøåé]+", text.lower()))


_DA, _EN = (_words(" ".join(TEXTS[lang].values())) for lang in ("da", "en"))
DANISH = _DA - _EN
"""Words only the Danish sentences of the cards use."""
ENGLISH = {"the", "and", "you", "your", "has", "been", "was", "will", "with", "this", "that", "press", "meeting"}


def activated_and(plan: Plan, last: Action) -> CrisisState:
    """A crisis on ``plan`` raised by lak, sent on by cvo and activated by jesper, who then did ``last``."""
    state = None
    for action, actor in [
        (RaiseAlarm(CRISIS, "brugere", ("o365",), DESCRIPTION), "lak"),
        (Triage(TriageDecision.INFORM_DIRECTOR, "Hele kommunen er ramt.", via="teams"), "cvo"),
        (Decide(DirectorDecision.ACTIVATE, via="teams", meeting_at=T0), "jesper"),
        (last, "jesper"),
    ]:
        outcome = step(plan, state, action, actor=actor, now=T0)
        assert isinstance(outcome, Accepted), outcome
        state = outcome.state
    assert state is not None
    return state


def crisis() -> CrisisState:
    """An activated crisis whose meeting moved to the alternative place: every purpose has something to say."""
    return activated_and(PLAN, MoveMeeting("it-undervisningslokale"))


def page(purpose: PagePurpose) -> PageRequest:
    return PageRequest(state=crisis(), person=CVO, roles=ROLES, purpose=purpose, key=f"{CRISIS}:cvo:{purpose}")


def assert_danish_naming_the_crisis(text: str, purpose: PagePurpose, crisis_id: str = CRISIS) -> None:
    assert text.strip(), "empty"
    assert crisis_id in text
    words = _words(text)
    assert len(words & DANISH) >= 2 and not words & ENGLISH, f"not Danish: {text!r}"
    assert page_title(PLAN, crisis(), purpose, "en") not in text


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        fake.add_user("11111111-0000-0000-0000-00000000c0c0", CVO.email, CVO.name, apps=("app",))
        fake.add_user("11111111-0000-0000-0000-00000000e0e0", EMIL.email, EMIL.name, apps=("app",))
        fake.add_user("sender-id", "krise@struer.dk", "Krisebot")
        yield fake


@pytest.fixture
async def msgraph(graph: FakeGraph) -> AsyncIterator[GraphServiceClient]:
    settings = load_settings(_env_file=None, graph_base_url=graph.url)
    async with open_graph(settings, credential=FakeCredential(), retry_wait_scale=RETRY_WAIT_SCALE) as client:
        assert client is not None
        yield client


@pytest.mark.parametrize("purpose", IN_TEAMS)
def test_the_teams_card(purpose: PagePurpose) -> None:
    card = page_card(PLAN, crisis(), "da", person="cvo", purpose=purpose, now=T0, roles=ROLES)

    assert_danish_naming_the_crisis("\n".join(visible(t) for t in shown_texts(card)), purpose)


@pytest.mark.parametrize("purpose", IN_TEAMS)
async def test_the_activity_feed(graph: FakeGraph, msgraph: GraphServiceClient, purpose: PagePurpose) -> None:
    await FeedNotifier(msgraph, PLAN, chat_url="https://teams.example/chat").send(page(purpose))

    [request] = graph.notifications()
    body = request.model
    assert_danish_naming_the_crisis(f"{body.topic.value}\n{body.preview_text.content}", purpose)
    assert body.preview_text.content


@pytest.mark.parametrize("purpose", IN_TEAMS)
async def test_the_mail(graph: FakeGraph, msgraph: GraphServiceClient, purpose: PagePurpose) -> None:
    await MailNotifier(msgraph, PLAN, sender="krise@struer.dk", chat_url="https://teams.example/chat").send(page(purpose))

    [request] = graph.mails()
    message = request.model.message
    assert_danish_naming_the_crisis(message.subject, purpose)
    assert_danish_naming_the_crisis(html.unescape(re.sub(r"<[^>]*>", " ", message.body.content)), purpose)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_the_sms(purpose: PagePurpose) -> None:
    state = crisis()
    text = page_text(
        PLAN, state, purpose=purpose, person="cvo", roles=ROLES, code=3, replies=reply_options(PLAN, state, purpose, "cvo"),
        route=ReplyRoute(keyword="KRISE", number="1204"),
    )

    assert_danish_naming_the_crisis(text, purpose)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_the_call(purpose: PagePurpose) -> None:
    state = crisis()
    script = call_script(PLAN, state, purpose, "cvo", ROLES, keypad(PLAN, state, purpose, "cvo"))

    assert_danish_naming_the_crisis(" ".join(script), purpose, crisis_id=spoken_id(CRISIS))
    assert all(line.strip() and "**" not in line for line in script)


async def test_a_moved_meeting_has_its_own_title_on_the_card_the_feed_and_the_mail(
    graph: FakeGraph, msgraph: GraphServiceClient
) -> None:
    moved = page(PagePurpose.MEETING_MOVED)
    card = page_card(PLAN, moved.state, "da", person="cvo", purpose=moved.purpose, now=T0, roles=ROLES)
    await FeedNotifier(msgraph, PLAN, chat_url="https://teams.example/chat").send(moved)
    await MailNotifier(msgraph, PLAN, sender="krise@struer.dk", chat_url="https://teams.example/chat").send(moved)

    title = "Mødestedet er flyttet til IT-undervisningslokale, Peter Bangsvej 13, 7600 Struer"
    assert title in shown_texts(card)
    assert graph.notifications()[0].model.topic.value == f"{CRISIS} {title}"
    assert graph.mails()[0].model.message.subject == f"[Krise {CRISIS}] {title}"


STANDS_IN = "stedfortræder for Henrik Jebjerg Mogensen (ansvarlig for økonomi)"


def deputy_page(purpose: PagePurpose) -> PageRequest:
    return PageRequest(state=crisis(), person=EMIL, roles=("okonomi",), purpose=purpose, key=f"{CRISIS}:emilbc:{purpose}")


@pytest.mark.parametrize("purpose", [p for p in IN_TEAMS if p not in (PagePurpose.INFORM, PagePurpose.UNCOVERED, *END_NOTICES)])
async def test_a_deputy_is_told_on_every_channel_whom_they_stand_in_for(
    graph: FakeGraph, msgraph: GraphServiceClient, purpose: PagePurpose
) -> None:
    page = deputy_page(purpose)
    state = page.state
    card = page_card(PLAN, state, "da", person="emilbc", purpose=purpose, now=T0, roles=page.roles)
    await FeedNotifier(msgraph, PLAN, chat_url="https://teams.example/chat").send(page)
    await MailNotifier(msgraph, PLAN, sender="krise@struer.dk", chat_url="https://teams.example/chat").send(page)
    sms = page_text(
        PLAN, state, purpose=purpose, person="emilbc", roles=page.roles, code=3,
        replies=reply_options(PLAN, state, purpose, "emilbc"), route=ReplyRoute(keyword="KRISE", number="1204"),
    )
    script = call_script(PLAN, state, purpose, "emilbc", page.roles, keypad(PLAN, state, purpose, "emilbc"))

    said = f"Du kaldes som {STANDS_IN}."
    assert said in [visible(t) for t in shown_texts(card)]
    assert said in html.unescape(graph.mails()[0].model.message.body.content)
    assert graph.notifications()[0].model.preview_text.content.startswith(said)
    assert f"som {STANDS_IN}" in sms
    assert said in script


def test_a_person_paged_for_a_role_they_hold_first_or_informed_by_name_is_not_called_a_deputy() -> None:
    state = crisis()
    informed = page_card(PLAN, state, "da", person="emilbc", purpose=PagePurpose.INFORM, now=T0, roles=("okonomi",))
    assert "stedfortræder" not in " ".join(shown_texts(informed)), "the director informs a person, not a role"
    card = page_card(PLAN, state, "da", person="cvo", purpose=PagePurpose.SUMMONS, now=T0, roles=ROLES)
    script = call_script(PLAN, state, PagePurpose.SUMMONS, "cvo", ROLES, keypad(PLAN, state, PagePurpose.SUMMONS, "cvo"))
    sms = page_text(
        PLAN, state, purpose=PagePurpose.SUMMONS, person="cvo", roles=ROLES, code=3, replies=[],
        route=ReplyRoute(keyword="KRISE", number="1204"),
    )

    assert "stedfortræder" not in " ".join([*shown_texts(card), *script, sms])
    peter = call_script(PLAN, state, PagePurpose.SUMMONS, "peter", ROLES, keypad(PLAN, state, PagePurpose.SUMMONS, "peter"))
    assert "Du kaldes som stedfortræder for Claus Vagn Ohrt (ansvarlig for IT og Digitalisering, " \
        "ansvarlig for situationsbillede, log og dokumentation)." in peter


async def test_the_notice_of_a_role_nobody_answers_for_names_the_role_on_every_channel(
    graph: FakeGraph, msgraph: GraphServiceClient
) -> None:
    purpose = PagePurpose.UNCOVERED
    uncovered = RoleUncovered(role="okonomi", purpose=PagePurpose.SUMMONS)
    state = apply(crisis(), Event(seq=100, at=T0, crisis_id=CRISIS, actor="system", payload=uncovered))
    notice = PageRequest(state=state, person=CVO, roles=(), purpose=purpose, key=f"{CRISIS}:cvo:{purpose}")
    card = page_card(PLAN, state, "da", person="cvo", purpose=purpose, now=T0)
    sms = page_text(
        PLAN, state, purpose=purpose, person="cvo", roles=(), code=3, replies=reply_options(PLAN, state, purpose, "cvo"),
        route=ReplyRoute(keyword="KRISE", number="1204"),
    )
    call = " ".join(call_script(PLAN, state, purpose, "cvo", (), keypad(PLAN, state, purpose, "cvo")))
    await MailNotifier(msgraph, PLAN, sender="krise@struer.dk", chat_url="https://teams.example/chat").send(notice)

    mail = html.unescape(graph.mails()[0].model.message.body.content)
    for text in ("\n".join(visible(t) for t in shown_texts(card)), sms, call, mail):
        assert "ngen har kvitteret for ansvarlig for økonomi" in text, text
    assert "3K" in sms and "Tryk 1 for at kvittere." in call


SUMMONING = summoning_plan()


def summoned() -> CrisisState:
    """An activated crisis on a plan with an external participant Krisebot may summon, whom the crisis leader had
    summoned."""
    return activated_and(SUMMONING, SummonExternal("vagtchef"))


async def test_an_external_participants_summons_says_who_summons_it_where_and_when_and_not_what_the_alarm_says(
    graph: FakeGraph, msgraph: GraphServiceClient
) -> None:
    state, purpose = summoned(), PagePurpose.EXTERNAL
    sms = page_text(
        SUMMONING, state, purpose=purpose, person="vagtchef", roles=(), code=2,
        replies=reply_options(SUMMONING, state, purpose, "vagtchef"), route=ReplyRoute(keyword="KRISE", number="1204"),
    )
    call = call_script(SUMMONING, state, purpose, "vagtchef", (), keypad(SUMMONING, state, purpose, "vagtchef"))

    assert sms == (
        f"Krise {CRISIS}: Jesper Thyrring Møller (Kommunaldirektør, Struer Kommune) indkalder dig til krisestaben. "
        'Mød: Byrådssalen, Struer Rådhus kl. 14:00. Svar til 1204: "KRISE 2K" kommer (+ minutter), "KRISE 2N" kommer ikke.'
    )
    assert call == [
        "Dette er Krisebot for Struer Kommune.", "Det gælder krise K, 2026, 0 0 1.",
        "Jesper Thyrring Møller, Kommunaldirektør i Struer Kommune, indkalder dig til krisestaben.",
        "Mødested: Byrådssalen, Struer Rådhus.", "Mødetid: klokken 14:00.",
        "Tryk 1, hvis du kommer.", "Tryk 2, hvis du ikke kommer.", "Tryk 9 for at høre beskeden igen.",
    ]
    external = PageRequest(state=state, person=SUMMONING.external_by_id["vagtchef"], roles=(), purpose=purpose, key="k")
    for notifier in (
        FeedNotifier(msgraph, SUMMONING, chat_url="https://teams.example/chat"),
        MailNotifier(msgraph, SUMMONING, sender="krise@struer.dk", chat_url="https://teams.example/chat"),
    ):
        with pytest.raises(PermanentError, match="kun kriseplanens personer"):
            await notifier.send(external)
    assert not graph.notifications() and not graph.mails()
