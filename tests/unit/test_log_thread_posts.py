"""The log thread as the crisis room reads it: which events are posted one by one, and each alarmering wave's
summary in Danish with names, counts and channels (``bot.render.log_thread``, ``waves``, ``wave_summary``)."""

from datetime import datetime, timedelta, timezone

from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    CallReported,
    CallStatus,
    DeliveryState,
    Escalated,
    Event,
    EventPayload,
    LogEntryAdded,
    LogEntryKind,
    PageDeliveryReported,
    PageFailed,
    PagePurpose,
    PageSent,
    PagesRequested,
    RequestedPage,
    SmsReceived,
    SummonsAnswered,
)
from bot.plan import load_plan
from bot.render.human import human_events
from bot.render.log_thread import thread_posts
from bot.render.wave_summary import wave_summary
from bot.render.waves import waves
from bot.resources import default_plan_path
from tests.markdown import visible

PLAN = load_plan(default_plan_path())
START = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)
SUMMONED = {"jesper": "kriseleder", "cvo": "it", "hjm": "okonomi", "lak": "kommunikation", "peter": "situationsbillede"}


class Logbog:
    """A crisis's events as the store numbers them: each ``record`` is one transaction, a second after the last."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.at = START

    def record(self, actor: str, *payloads: EventPayload) -> None:
        self.at += timedelta(seconds=1)
        for payload in payloads:
            self.events.append(Event(seq=len(self.events) + 1, at=self.at, crisis_id="K-2026-001", actor=actor, payload=payload))


def summoned() -> Logbog:
    logbog = Logbog()
    logbog.record("cvo", AlarmRaised(source="brugere", description="Lønkørslen fejler", reporter="cvo"))
    pages = [RequestedPage(person=p, roles=[r], purpose=PagePurpose.SUMMONS) for p, r in SUMMONED.items()]
    logbog.record("jesper", PagesRequested(pages=pages))
    return logbog


def sent(person: str, channel: str, provider_id: str | None = None) -> PageSent:
    return PageSent(person=person, roles=[SUMMONED.get(person, "okonomi")], purpose=PagePurpose.SUMMONS, channel=channel,
                    provider_id=provider_id)


def failed(person: str, channel: str, reason: str) -> PageFailed:
    return PageFailed(person=person, roles=[SUMMONED[person]], purpose=PagePurpose.SUMMONS, channel=channel, reason=reason)


def summary(logbog: Logbog) -> str:
    [wave] = waves(logbog.events)
    return wave_summary(PLAN, wave)


def test_a_wave_nothing_has_reached_yet_names_everyone_waiting() -> None:
    assert summary(summoned()) == (
        "Indkaldelse til 5 personer: 5 ikke nået endnu: Jesper Thyrring Møller, Claus Vagn Ohrt, "
        "Henrik Jebjerg Mogensen, Lisbeth Kusk, Peter Knudsen"
    )


def test_reached_counts_confirmed_sends_taken_calls_and_answers_with_their_channels_in_danish() -> None:
    logbog = summoned()
    logbog.record("system", sent("jesper", "teams", "1700000000001"), sent("cvo", "voice", "CA1"), sent("lak", "sms", "421"))
    logbog.record("system", CallReported(person="cvo", roles=["it"], purpose=PagePurpose.SUMMONS, number="+4596848143",
                                         provider_id="CA1", status=CallStatus.ANSWERED))
    logbog.record("peter", Acknowledged(person="peter", roles=["situationsbillede"], via="telefon"))
    logbog.record("system", sent("hjm", "voice", "CA2"))

    assert summary(logbog) == (
        "Indkaldelse til 5 personer: 4 nået (Teams, sms, opkald), 1 ikke nået endnu: Henrik Jebjerg Mogensen"
    ), "a ringing call reaches nobody; a key pressed in a call counts as the call"


def test_someone_every_channel_failed_cannot_be_reached_and_the_summary_says_why() -> None:
    logbog = summoned()
    logbog.record("system", sent("jesper", "teams"), sent("cvo", "teams"), sent("lak", "teams"), sent("peter", "teams"))
    logbog.record("system", failed("hjm", "teams", "personen har endnu ikke skrevet til botten i Teams"),
                  failed("hjm", "sms", "planen har intet mobilnummer til personen"))
    logbog.record("system", sent("hjm", "voice", "CA3"))
    logbog.record("system", CallReported(person="hjm", roles=["okonomi"], purpose=PagePurpose.SUMMONS, number="+4596848211",
                                         provider_id="CA3", status=CallStatus.NO_ANSWER))
    logbog.record("system", PageDeliveryReported(person="hjm", roles=["okonomi"], purpose=PagePurpose.SUMMONS,
                                                 channel="voice", provider_id="", status=DeliveryState.UNANSWERED))

    assert summary(logbog) == (
        "Indkaldelse til 5 personer: 4 nået (Teams), 1 kan ikke nås: Henrik Jebjerg Mogensen – Teams: personen har "
        "endnu ikke skrevet til botten i Teams, sms: planen har intet mobilnummer til personen, opkald: ikke taget"
    )


def test_an_sms_reported_undelivered_reaches_nobody_and_a_repeat_sent_since_waits_again() -> None:
    logbog = summoned()
    logbog.record("system", sent("lak", "sms", "421"))
    logbog.record("system", PageDeliveryReported(person="lak", roles=["kommunikation"], purpose=PagePurpose.SUMMONS,
                                                 channel="sms", provider_id="421", status=DeliveryState.UNDELIVERABLE))
    assert "Lisbeth Kusk – personen" not in summary(logbog) and "1 kan ikke nås: Lisbeth Kusk" in summary(logbog)
    logbog.record("system", sent("lak", "voice", "CA4"))
    assert "1 kan ikke nås" not in summary(logbog) and "Lisbeth Kusk" in summary(logbog).split("ikke nået endnu: ")[1]


def test_an_escalation_adds_its_people_to_the_wave_that_paged_the_role() -> None:
    logbog = summoned()
    logbog.record("system", Escalated(role="okonomi", purpose=PagePurpose.SUMMONS, stage=1, people=["hjm", "emilbc"]))
    logbog.record("system", sent("emilbc", "teams"))

    assert summary(logbog).startswith("Indkaldelse til 6 personer: 1 nået (Teams), 5 ikke nået endnu: ")
    assert "Emil B. Christensen" not in summary(logbog)


def test_a_later_wave_for_the_same_people_counts_only_what_came_after_it() -> None:
    logbog = summoned()
    logbog.record("system", sent("jesper", "teams"))
    logbog.record("jesper", PagesRequested(pages=[RequestedPage(person="jesper", roles=[], purpose=PagePurpose.SUMMONS)]))
    first, second = waves(logbog.events)
    assert "1 nået (Teams)" in wave_summary(PLAN, first)
    assert wave_summary(PLAN, second) == "Indkaldelse til 1 person: 1 ikke nået endnu: Jesper Thyrring Møller"


def test_the_thread_posts_people_one_by_one_and_each_wave_once_at_its_place_without_ids() -> None:
    logbog = summoned()
    logbog.record("system", sent("jesper", "teams", "1700000000001"), sent("lak", "sms", "421332671"))
    logbog.record("lak", SmsReceived(person="lak", number="+4540408007", text="KRISE 3K 20", outcome="udført: kommer"),
                  Acknowledged(person="lak", roles=["kommunikation"], via="sms"),
                  SummonsAnswered(person="lak", coming=True, eta="20 min"))
    logbog.record("jesper", SmsReceived(person="jesper", number="+4529256511", text="KRISE Jeg er på vej",
                                        outcome="ikke forstået: intet udført"))
    logbog.record("jesper", LogEntryAdded(kind=LogEntryKind.HANDLING, text="Lønkørslen genstartes"))

    posts = thread_posts(PLAN, logbog.events)
    assert [(post.seq, post.wave) for post in posts] == [(1, False), (2, True), (7, False), (8, False), (9, False)]
    assert [visible(post.text).split(": ", 1)[1] for post in posts] == [
        "Alarm fra Brugere af kritiske systemer; anmelder: Claus Vagn Ohrt – «Lønkørslen fejler»",
        "2 nået (Teams, sms), 3 ikke nået endnu: Claus Vagn Ohrt, Henrik Jebjerg Mogensen, Peter Knudsen",
        "Svar på indkaldelse fra Lisbeth Kusk: Kommer, ankomst ca. kl. 08:20 (20 min)",
        "Sms fra Jesper Thyrring Møller (+4529256511): «KRISE Jeg er på vej» – ikke forstået: intet udført",
        "Logbog (handling): Lønkørslen genstartes",
    ], "the SMS that answered and the acknowledgement it gave are in the answer's post"
    assert not any(i in post.text for post in posts for i in ("1700000000001", "421332671"))


def test_human_events_keep_an_sms_that_did_nothing_even_just_before_the_same_persons_action() -> None:
    logbog = Logbog()
    logbog.record("cvo", AlarmRaised(source="brugere", description="Lønkørslen fejler", reporter="cvo"))
    logbog.record("jesper", SmsReceived(person="jesper", number="+4529256511", text="KRISE hej", outcome="ikke forstået"))
    logbog.record("jesper", LogEntryAdded(kind=LogEntryKind.HANDLING, text="Ringet til IT"))

    assert [event.seq for event in human_events(logbog.events)] == [1, 2, 3]
