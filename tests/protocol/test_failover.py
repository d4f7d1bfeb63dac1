"""Two real ``krisebot serve`` processes on one PostgreSQL database; the leader SIGKILLed mid-escalation.

A starts first and leads (``/readyz`` says ``"leader": true``), then B, which follows. Both have a lease of
``LEASE`` seconds (``KRISEBOT_LEASE_SECONDS``, smaller than the default 5 s to keep the test short) and the bundled
plan with an ``ack_timeout`` of ``ACK_TIMEOUT`` seconds and ``repeat = 1``: a summons role's chain is paged at
t0 and t0+T (the primary), then at t0+2T and t0+3T (the primary and the first deputy). The alarm comes in through
A's ``/api/alarms``; the people answer through both instances: the triage through A, the director's activation
through B, the summons by Claus through A and by Lisbeth through B. Jesper and Henrik do not answer, so their
deputy Emil is due at t0+2T, t0 being when the summons' timers started (the ``pages_requested`` event in the
logbog). A is SIGKILLed just before that, after the first repeat went out: it leaves its lease to run out.

What people saw, at the fake Bot Connector, and what the logbog says:

- B pages the deputy: the first page to Emil arrives after the kill (only B is alive), for the attempt due at
  t0+2T, within ``LEASE`` + 1 s of t0+2T (the lease runs out at most ``LEASE`` after A's last renewal, and B looks
  every third of it); the measured delay is in the assertion's message and printed;
- every acknowledgement recorded before the kill is in the logbog afterwards, unchanged;
- nobody whose role was acknowledged is paged again for it (by B or at all), and the deputies of acknowledged
  roles are never paged;
- no page is delivered twice, except one in flight at the kill (claimed by A, its outcome unwritten).
"""

import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, TCPConnector

from bot.database_url import DatabaseLocation
from tests.processes import PageConnector, Service, short_plan, until, wait_until
from tests.protocol.alarms import AUTH, TOKEN, generic
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, LISBETH, Key, installed, tap

LEASE = 2  # seconds, KRISEBOT_LEASE_SECONDS of both instances
ACK_TIMEOUT = 4  # seconds: longer than a takeover (at most LEASE and a third of it), so the deputies' attempt is current
SUMMONED = {"jesper", "cvo", "hjm", "lak"}
ACKNOWLEDGED_ROLES = {"situationsbillede", "it", "kommunikation"}  # Claus (through A) and Lisbeth (through B)
UNACKNOWLEDGED_ROLES = {"kriseleder", "okonomi"}  # Jesper and Henrik; their deputy is Emil
ANSWERED = {"cvo", "lak", "peter", "marialouiserj"}  # who answered, and the deputies of what they answered for

Json = dict[str, Any]


def attempt_ms(started: datetime, n: int) -> int:
    """The time of a chain's ``n``-th attempt as its outbox key has it (ms since the epoch)."""
    return int((started + n * timedelta(seconds=ACK_TIMEOUT)).timestamp() * 1000)


@pytest.fixture
def pair(tmp_path: Path, postgres_database: DatabaseLocation) -> Iterator[tuple[Service, Service]]:
    """A and B on one PostgreSQL database, each with its instance id and port; not started."""
    plan = short_plan(tmp_path, ACK_TIMEOUT)
    settings = {"KRISEBOT_LEASE_SECONDS": str(LEASE), "KRISEBOT_ALARM_TOKEN": TOKEN}
    services = tuple(Service(tmp_path, plan, postgres_database, instance=name, **settings) for name in ("a", "b"))
    yield services[0], services[1]
    for service in services:
        service.stop()


async def test_the_follower_pages_the_deputy_within_the_lease_after_the_leader_is_killed_mid_escalation(
    pair: tuple[Service, Service], page_connector: PageConnector
) -> None:
    a, b, connector = *pair, page_connector

    def delivered(purpose: str, person: str | None = None) -> list[Key]:
        keys = [Key.parse(key) for key in connector.pages()]
        return [k for k in keys if k.purpose == purpose and (person is None or k.person == person)]

    async def wait(condition, what: str, timeout: float = 10.0) -> None:
        await wait_until(condition, what, timeout, connector, a, b)

    async with ClientSession(connector=TCPConnector(force_close=True)) as session:
        await a.start(session, leader=True)
        await b.start(session, leader=False)
        for user in EVERYONE:
            await a.post(session, installed(user, connector.url))
        async with session.post(f"{a.url}/api/alarms", json=generic(), headers=AUTH) as response:
            assert response.status == 202, await response.text()
        await wait(lambda: delivered("triage", "cvo"), "the triage page to Claus")
        crisis = delivered("triage", "cvo")[0].crisis
        await a.post(session, tap(CLAUS, connector.url, "triage_inform_director", crisis=crisis, assessment="Alvorligt"))
        await wait(lambda: delivered("director", "jesper"), "the director page to Jesper")
        await b.post(session, tap(JESPER, connector.url, "director_activate", crisis=crisis, meeting_time="09:30", note=""))
        await wait(lambda: {k.person for k in delivered("summons")} >= SUMMONED, "the summons to the four primaries")
        await a.post(session, tap(CLAUS, connector.url, "summons_coming", crisis=crisis, eta="15 min"))
        await b.post(session, tap(LISBETH, connector.url, "summons_coming", crisis=crisis, eta=""))

        [started] = [  # when the summons' timers started
            datetime.fromisoformat(at) for _, at, _, _, payload in a.events("pages_requested")
            if {page["purpose"] for page in payload["pages"]} == {"summons"}
        ]
        t0 = started.timestamp()
        assert time.time() < t0 + ACK_TIMEOUT, "set-up too slow: the answers came after the first repeat was due"
        due = t0 + 2 * ACK_TIMEOUT  # the deputies' stage
        repeat_ms = attempt_ms(started, 1)
        await wait(lambda: {k.person for k in delivered("summons") if k.at_ms == repeat_ms} == {"jesper", "hjm"},
                   "the first repeat, to the two who did not answer", timeout=ACK_TIMEOUT + 10)
        await until(due - 0.3)
        a.kill()
        killed_at = time.time()
        mark = len(connector.requests)
        outbox_at_kill = a.outbox()
        in_flight = {key for key, (status, tries, _) in outbox_at_kill.items() if status == "pending" and tries > 0}
        acks_at_kill = a.events("acknowledged", "summons_answered")
        assert not delivered("summons", "emilbc"), "the deputy must not have been paged before the kill"

        await wait(lambda: [k for k, _ in connector.delivered(mark) if k.person == "emilbc"], "the deputy's page from B",
                   timeout=LEASE * 2 + 10)
        [(first, arrived)] = [(k, at) for k, at in connector.delivered(mark) if k.person == "emilbc"][:1]
        failover = arrived - due
        print(f"failover: the deputy's page arrived {failover:.2f} s after it was due ({arrived - killed_at:.2f} s after the kill)")
        leading = await b.readiness(session)
        last_ms = attempt_ms(started, 3)
        await wait(lambda: {k.person for k in delivered("summons") if k.at_ms == last_ms} >= {"jesper", "hjm", "emilbc"},
                   "the last attempt", timeout=max(0.0, t0 + 3 * ACK_TIMEOUT - time.time()) + 10)
        await wait(b.settled, "nothing pending but the fallbacks waiting for the calls", timeout=20.0)

    assert leading is not None and leading["leader"] is True, leading
    assert first.at_ms == attempt_ms(started, 2) and first.purpose == "summons", f"not the deputies' attempt: {first}"
    assert failover <= LEASE + 1, (
        f"the deputy's page left B {failover:.2f} s after it was due ({arrived - killed_at:.2f} s after the kill); "
        f"at most the lease ({LEASE} s) and 1 s"
    )

    outbox = b.outbox()
    assert set(outbox[str(first)][2]) == UNACKNOWLEDGED_ROLES, "the deputy is paged for both roles nobody answered for"
    acks_now = b.events("acknowledged", "summons_answered")
    assert [(actor, type_, p.get("roles")) for _, _, actor, type_, p in acks_at_kill] == [
        ("cvo", "acknowledged", ["it"]),  # the triage decision (through A)
        ("jesper", "acknowledged", ["kriseleder"]),  # the director's activation (through B)
        ("cvo", "acknowledged", ["situationsbillede", "it"]), ("cvo", "summons_answered", None),  # through A
        ("lak", "acknowledged", ["kommunikation"]), ("lak", "summons_answered", None),  # through B
    ], "every answer is in the logbog before the kill"
    assert acks_now == acks_at_kill, "an acknowledgement was lost, changed or repeated"

    pages = connector.pages()
    twice = {key for key, count in Counter(pages).items() if count > 1}
    assert twice <= in_flight, f"delivered more than once without having been in flight: {sorted(twice - in_flight)}"
    for key, _ in connector.delivered(mark):
        if key.purpose == "uncovered":  # the crisis leader and the situation role hear of a role nobody answers for
            continue
        assert key.person not in ANSWERED, f"paged by B after answering: {key}"
        assert not set(outbox[str(key)][2]) & ACKNOWLEDGED_ROLES, f"paged by B for an acknowledged role: {key}"
    assert not [k for k in pages if Key.parse(k).person in {"peter", "marialouiserj"}], (
        "the deputies of acknowledged roles were never paged"
    )
    answered = [k for k in pages if Key.parse(k).purpose == "summons" and Key.parse(k).person in {"cvo", "lak"}]
    assert {Key.parse(k).at_ms for k in answered} == {attempt_ms(started, 0)}, "Claus and Lisbeth got their first summons only"
