"""The real ``krisebot serve`` killed with SIGKILL while pages are due and in flight, then restarted.

The service runs as a subprocess (``tests/processes.py``), once on a SQLite file and once on a
PostgreSQL database, on a plan with a 2 s
``ack_timeout`` and ``repeat = 1``, so a summons role's chain is paged at t0 and t0+2 s (the
primary), then at t0+4 s and t0+6 s (the primary and the first deputy). The Bot Connector is a
``FakeConnector`` in the test's event loop that records every page as it arrives and, for the
repeats, holds its answer: the page reached Teams but the service has not heard back, so
the outbox item is claimed (``tries`` > 0) and still ``pending`` when the process dies.

What the test proves, from what people saw (the pages at the connector, by their outbox key
``channelData.krisebot.page``) and from the logbog, read directly from the database:

- every page that was due was delivered at least once: all attempts sent before the kill,
  the ones in flight at the kill, and after the restart the escalation attempt that was
  overdue (the attempt current at the restart's first tick, missed attempts are not
  replayed one by one) and every later one;
- no page was delivered twice, except those in flight at the kill: their delivery is
  at-least-once (the service cannot know whether Teams got a page whose answer it never
  saw, so it sends it again after the restart, and here Teams had it: people see it twice);
  each outbox item is still marked done exactly once, with exactly one PageSent event;
- no acknowledgement was lost: every Acknowledged and SummonsAnswered event recorded before
  the kill is in the logbog after the restart, nobody whose role was acknowledged is paged
  for it again, and a repeated answer after the restart records nothing new;
- escalation survives the restart: the deputy of an unacknowledged role is paged after it.

The second test drives the paging loop of the in-process app with a hand-moved clock: an
attempt that falls due while the previous one is still being sent goes out as soon as the loop
looks again, the way a restart sends what is overdue (it used to wait for the attempt after it).
"""

import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, TCPConnector, web

from bot.app import PAGER
from bot.core.actions import RaiseAlarm
from bot.core.escalation import requested_timers
from bot.core.lifecycle import step
from bot.database_url import DatabaseLocation
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.processes import PageConnector, Service, short_plan, until, wait_until
from tests.protocol.crisis import Crisis, alarm
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, LISBETH, Key, installed, page_key, register, tap

ACK_TIMEOUT = 2  # seconds; the test plan's [escalation] ack_timeout
ATTEMPTS = 4  # repeat = 1 and two-person chains: two attempts at stage 0, two at stage 1
SUMMONED = {"jesper", "cvo", "hjm", "lak"}  # the primaries of the bundled plan's five roles
PRIMARIES = {"kriseleder": "jesper", "situationsbillede": "cvo", "it": "cvo", "okonomi": "hjm", "kommunikation": "lak"}
DEPUTIES = {
    "kriseleder": "emilbc", "situationsbillede": "peter", "it": "peter", "okonomi": "emilbc", "kommunikation": "marialouiserj",
}
ACKNOWLEDGED_ROLES = {"situationsbillede", "it", "kommunikation"}  # Claus and Lisbeth answer the summons
UNACKNOWLEDGED_ROLES = {"kriseleder", "okonomi"}

Json = dict[str, Any]


@pytest.fixture
def connector(page_connector: PageConnector) -> PageConnector:
    return page_connector


@pytest.fixture
def service(tmp_path: Path, database: DatabaseLocation) -> Iterator[Service]:
    """The service on a SQLite file or a PostgreSQL database; a new instance id at each start, as after a crash."""
    running = Service(tmp_path, short_plan(tmp_path, ACK_TIMEOUT), database)
    yield running
    running.stop()


async def test_sigkill_with_pages_due_and_in_flight_loses_no_page_and_no_acknowledgement(
    service: Service, connector: PageConnector
) -> None:
    async with ClientSession(connector=TCPConnector(force_close=True)) as session:

        async def post(activity: Json) -> Json:
            return await service.post(session, activity)

        def delivered(purpose: str, person: str | None = None) -> list[Key]:
            keys = [Key.parse(key) for key in connector.pages()]
            return [k for k in keys if k.purpose == purpose and (person is None or k.person == person)]

        async def wait(condition, what: str, timeout: float = 10.0) -> None:
            await wait_until(condition, what, timeout, connector, service)

        # -- first run: alarm, triage, activation; two of the four summoned answer -------------
        await service.start(session)
        for user in EVERYONE:
            await post(installed(user, connector.url))
        await post(tap(CLAUS, connector.url, "raise_alarm", source="overvaagning", deliveries="it-infrastruktur",
                       description="Servere i rådhuset svarer ikke"))
        await wait(lambda: delivered("triage", "cvo"), "the triage page to Claus")
        crisis = delivered("triage", "cvo")[0].crisis
        await post(tap(CLAUS, connector.url, "triage_inform_director", crisis=crisis, assessment="Alvorligt"))
        await wait(lambda: delivered("director", "jesper"), "the director page to Jesper")
        connector.hold_repeats_of = "summons"
        await post(tap(JESPER, connector.url, "director_activate", crisis=crisis, meeting_time="09:30", note=""))
        await wait(lambda: {k.person for k in delivered("summons")} >= SUMMONED, "the summons to the four primaries")
        t0_ms = min(k.at_ms for k in delivered("summons"))
        t0 = t0_ms / 1000
        await post(tap(CLAUS, connector.url, "summons_coming", crisis=crisis, eta="15 min"))
        await post(tap(LISBETH, connector.url, "summons_coming", crisis=crisis, eta=""))
        assert time.time() < t0 + ACK_TIMEOUT, "set-up too slow: the answers came after the first repeat was due"

        # -- the repeat at t0+T goes out and is held in flight; the service dies just before the escalation at t0+2T
        await wait(lambda: len(connector.held) == 2, "the repeat to the two who did not answer, in flight",
                   timeout=ACK_TIMEOUT + 10)
        assert {Key.parse(key).person for key in connector.held} == {"jesper", "hjm"}
        await until(t0 + 2 * ACK_TIMEOUT - 0.3)  # the first deputies are due in a moment
        service.kill()
        killed_at = time.time()
        outbox_at_kill = service.outbox()
        in_flight = {
            key for key, (status, tries, _) in outbox_at_kill.items()
            if status == "pending" and tries > 0 and Key.parse(key).channel == "teams"
        }
        acks_at_kill = service.events("acknowledged", "summons_answered")
        connector.release()

        assert in_flight == set(connector.held), "exactly the held pages were in flight at the kill"
        assert not delivered("summons", "emilbc"), "the deputy must not have been paged before the kill"
        assert [(actor, type_, p.get("roles")) for _, _, actor, type_, p in acks_at_kill] == [
            ("cvo", "acknowledged", ["it"]),  # the triage decision acknowledges the triage page
            ("jesper", "acknowledged", ["kriseleder"]),  # the director's decision, the director page
            ("cvo", "acknowledged", ["situationsbillede", "it"]), ("cvo", "summons_answered", None),
            ("lak", "acknowledged", ["kommunikation"]), ("lak", "summons_answered", None),
        ], "every answer is in the logbog before the kill"

        # -- restart on the same database and port once the escalation is overdue; wait for the last attempt
        await until(t0 + 2 * ACK_TIMEOUT + 0.25)
        restart_mark = len(connector.requests)
        await service.start(session)
        last = [str(Key(crisis, "summons", person, t0_ms + int((ATTEMPTS - 1) * ACK_TIMEOUT * 1000), "teams"))
                for person in ("jesper", "hjm", "emilbc")]
        await wait(lambda: set(last) <= set(connector.pages()), "the last attempt after the restart",
                   timeout=max(0.0, t0 + ATTEMPTS * ACK_TIMEOUT - time.time()) + 10)
        await wait(service.settled, "nothing pending but the fallbacks waiting for the calls",
                   timeout=20.0)  # the calls (one a second) telling of the roles nobody answered for go too
        await post(tap(CLAUS, connector.url, "summons_coming", crisis=crisis, eta="15 min"))  # the same answer again

    # -- what people saw and what the logbog says --------------------------------------------
    pages = connector.pages()
    after_restart = connector.pages(restart_mark)
    everything = service.outbox()
    outbox = {key: item for key, item in everything.items() if Key.parse(key).channel == "teams"}
    calls = {key: item for key, item in everything.items() if Key.parse(key).channel == "voice"}
    texts = {key: item for key, item in everything.items() if Key.parse(key).channel == "sms"}
    assert set(everything) == set(outbox) | set(calls) | set(texts)
    no_mobile = {person.id for person in load_plan(default_plan_path()).people if person.mobile is None}
    called = {Key.parse(k).attempt for k in calls}  # a call placed, or not needed any more (cancelled)
    assert not [k for k, (status, _, _) in texts.items() if status == "pending" and Key.parse(k).attempt not in called], (
        "an SMS left pending that waits for no call"
    )
    assert not [k for k, (status, _, _) in texts.items() if status == "failed" and Key.parse(k).person not in no_mobile]
    assert not [k for k, (status, _, _) in calls.items() if status not in ("sent", "cancelled")], calls
    assert {Key.parse(k).attempt for k in outbox} <= {Key.parse(k).attempt for k in calls}, "every page also goes as a call"
    placed = Counter(key for key, in service.read("SELECT outbox_key FROM calls WHERE provider_id IS NOT NULL"))
    assert placed == Counter(k for k, (status, _, _) in calls.items() if status == "sent"), (
        "every call sent was placed once, also when it was sent again after the restart"
    )
    times = Counter(pages)

    twice = {key for key, count in times.items() if count > 1}
    assert twice <= in_flight, f"delivered more than once without having been in flight: {sorted(twice - in_flight)}"

    assert not [key for key, (status, _, _) in outbox.items() if status not in ("sent", "cancelled")], outbox
    assert not [key for key, (status, _, _) in outbox.items() if status == "sent" and key not in times]
    assert set(outbox_at_kill) <= set(everything), "outbox items were lost"
    assert in_flight and all(key in after_restart for key in in_flight), (
        "a page in flight at the kill is sent again after the restart: the service cannot know it arrived"
    )

    sent_events = [event for event in service.events("page_sent") if event[4]["channel"] == "teams"]
    id_to_key = {r.activity["id"]: page_key(r.activity) for r in connector.requests if page_key(r.activity)}
    finished = Counter(id_to_key.get(payload["provider_id"]) for _, _, _, _, payload in sent_events)
    assert None not in finished, "a PageSent event names an activity the connector never received"
    assert finished == Counter(key for key, (status, _, _) in outbox.items() if status == "sent"), (
        "every sent outbox item has exactly one PageSent event"
    )

    [first_tick] = {at for _, at, _, _, p in service.events("escalated") if p["role"] == "kriseleder" and p["stage"] == 1}
    first_tick = datetime.fromisoformat(first_tick).timestamp()
    assert first_tick > killed_at, "the escalation was recorded by the restarted service"
    current_at_restart = min(int((first_tick - t0) / ACK_TIMEOUT), ATTEMPTS - 1)
    assert current_at_restart >= 2, "the restarted service ticked before the escalation was due?"
    due: set[str] = set()
    for role in UNACKNOWLEDGED_ROLES:
        for n in [0, 1, *range(current_at_restart, ATTEMPTS)]:
            people = [PRIMARIES[role]] if n < 2 else [PRIMARIES[role], DEPUTIES[role]]
            due |= {str(Key(crisis, "summons", person, t0_ms + int(n * ACK_TIMEOUT * 1000), "teams")) for person in people}
    assert due <= set(pages), f"due and never delivered: {sorted(due - set(pages))}"
    answered_at_once = {str(Key(crisis, "summons", person, t0_ms, "teams")) for person in ("cvo", "lak")}
    summons = {key for key in outbox if Key.parse(key).purpose == "summons"}
    assert summons == due | answered_at_once, "a summons attempt off the schedule"

    escalated = {(p["role"], p["stage"]) for _, _, _, _, p in service.events("escalated")}
    assert escalated == {("kriseleder", 1), ("okonomi", 1)}
    deputy = [Key.parse(k) for k in after_restart if Key.parse(k).person == "emilbc"]
    assert deputy and all(k.purpose == "summons" for k in deputy), "the deputy is paged after the restart"
    assert set(outbox[str(deputy[0])][2]) == UNACKNOWLEDGED_ROLES

    acks_now = service.events("acknowledged", "summons_answered")
    assert acks_at_kill == acks_now, "an acknowledgement was lost, changed or repeated"
    notices = {Key.parse(k).person for k in after_restart if Key.parse(k).purpose == "uncovered"}
    assert notices <= {"jesper", "cvo"}, "only the crisis leader and the situation role hear of a role nobody answers for"
    for key in after_restart:
        parsed, roles = Key.parse(key), set(outbox[key][2])
        if parsed.purpose == "uncovered":
            continue
        assert parsed.person not in {"cvo", "lak", "peter", "marialouiserj"}, f"paged after acknowledging: {key}"
        assert not roles & ACKNOWLEDGED_ROLES, f"paged for an acknowledged role after the restart: {key}"
    assert not [k for k in pages if Key.parse(k).person in {"peter", "marialouiserj"}], (
        "the deputies of acknowledged roles were never paged"
    )
    answered = sorted(k for k in pages if Key.parse(k).purpose == "summons" and Key.parse(k).person in {"cvo", "lak"})
    assert answered == sorted(answered_at_once), "Claus and Lisbeth got their first summons only"


class TimePassingConnector(FakeConnector):
    """Moves the test clock to ``then`` when the page ``key`` arrives: time passes while it is in flight."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.key: str | None = None
        self.then: datetime | None = None

    async def _post_activity(self, request: web.Request) -> web.Response:
        response = await super()._post_activity(request)
        if self.key is not None and page_key(self.requests[-1].activity) == self.key:
            self.clock.now = self.then
        return response


async def test_an_attempt_that_falls_due_while_pages_are_in_flight_goes_out_at_once(settings_for, start_bot) -> None:
    """The paging loop resumes from where its tick began, like a restart does: an escalation that
    fell due while the previous attempt was being sent is not left for the attempt after it."""
    plan = load_plan(default_plan_path())
    timeout, repeat = plan.ack_timeout(plan.role_by_id["it"]), plan.repeat(plan.role_by_id["it"])
    clock = Clock()
    async with TimePassingConnector(clock) as connector:
        register(connector, *EVERYONE)
        bot = await start_bot(settings_for(), clock=clock)
        for user in EVERYONE:
            assert (await bot.post(installed(user, connector.url))).status == 201
        start = clock.now
        crisis_id = await alarm(Crisis(bot, connector))

        def key(person: str, at: datetime) -> str:
            return f"{crisis_id}/triage/{person}/{int(at.timestamp() * 1000)}/teams"

        connector.key, connector.then = key("cvo", start + timeout), start + timeout * (repeat + 1) + timedelta(seconds=1)
        clock.now = start + timeout
        bot.client.app[PAGER].poke()

        deputy = key("peter", start + timeout * (repeat + 1))
        await connector.wait_for(lambda requests: any(page_key(r.activity) == deputy for r in requests), timeout=5)


async def test_pages_recorded_as_requested_go_out_after_a_crash_before_they_were_queued(
    database: DatabaseLocation, settings_for, start_bot, connector: PageConnector
) -> None:
    """The alarm and its PagesRequested are in the logbog, but the process died before the first
    attempt reached the outbox: the timers stored with the request page the IT head after the restart."""
    plan, clock = load_plan(default_plan_path()), Clock()
    first = await start_bot(settings_for(database=database), clock=clock)
    for user in EVERYONE:
        assert (await first.post(installed(user, connector.url))).status == 201
    raised = step(plan, None, RaiseAlarm("K-2026-001", "overvaagning", ("it-infrastruktur",), "Serverne er nede"),
                  actor="system", now=clock())
    await first.store.append_all(
        at=clock(), actor="system", payloads=list(raised.events), crisis_id="K-2026-001",
        timers=requested_timers(raised.events, clock()),
    )
    await first.client.close()

    again = await start_bot(settings_for(database=database), clock=clock)
    again.client.app[PAGER].poke()
    await Crisis(again, connector).settled()

    assert connector.pages() == [f"K-2026-001/triage/cvo/{int(clock().timestamp() * 1000)}/teams"]
