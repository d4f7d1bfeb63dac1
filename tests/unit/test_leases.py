"""Leases in the store: taken when free or expired, renewed by their holder, and fencing the outbox's claims (on both engines)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import pytest

from bot.database_url import DatabaseLocation
from bot.store import Fence, OutboxItem, SqlStore, open_store

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
TTL = timedelta(seconds=5)
LEASE = "leader"


@pytest.fixture
async def store(database: DatabaseLocation) -> AsyncIterator[SqlStore]:
    opened = await open_store(database)
    yield opened
    await opened.close()


def item(key: str) -> OutboxItem:
    return OutboxItem(
        key=key, crisis_id="K-2026-001", person="cvo", roles=("it",), purpose="triage", channel="teams",
        attempt_at=T0, next_try_at=T0, tries=0,
    )


async def tries(store: SqlStore, key: str) -> int:
    found = await store.outbox_item(key=key)
    assert found is not None
    return found.tries


async def test_a_free_lease_is_taken_with_the_first_token(store: SqlStore) -> None:
    assert await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL) == 1


async def test_the_holder_renews_its_lease_keeping_the_token_and_others_are_refused_meanwhile(store: SqlStore) -> None:
    await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL)

    renewed = await store.acquire_lease(name=LEASE, holder="a", at=T0 + timedelta(seconds=4), ttl=TTL)
    refused = await store.acquire_lease(name=LEASE, holder="b", at=T0 + timedelta(seconds=8), ttl=TTL)

    assert renewed == 1
    assert refused is None, "the renewal at 4 s runs to 9 s: b may not take it at 8 s"


async def test_an_expired_lease_is_taken_over_with_the_token_bumped(store: SqlStore) -> None:
    await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL)

    too_early = await store.acquire_lease(name=LEASE, holder="b", at=T0 + TTL - timedelta(milliseconds=1), ttl=TTL)
    taken = await store.acquire_lease(name=LEASE, holder="b", at=T0 + TTL, ttl=TTL)
    back = await store.acquire_lease(name=LEASE, holder="a", at=T0 + 2 * TTL, ttl=TTL)

    assert (too_early, taken, back) == (None, 2, 3)


async def test_a_holder_renewing_its_own_expired_lease_keeps_the_token_when_nobody_took_it(store: SqlStore) -> None:
    await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL)

    assert await store.acquire_lease(name=LEASE, holder="a", at=T0 + timedelta(hours=1), ttl=TTL) == 1


async def test_leases_of_different_names_are_independent(store: SqlStore) -> None:
    await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL)

    assert await store.acquire_lease(name="other", holder="b", at=T0, ttl=TTL) == 1


async def test_a_released_lease_is_taken_at_once_and_its_token_never_goes_back(store: SqlStore) -> None:
    token = await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL)
    assert token is not None

    await store.release_lease(name=LEASE, holder="a", token=token)
    taken = await store.acquire_lease(name=LEASE, holder="b", at=T0 + timedelta(seconds=1), ttl=TTL)

    assert taken == token + 1


async def test_a_release_under_a_stale_token_or_by_another_holder_leaves_the_lease(store: SqlStore) -> None:
    await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL)
    taken = await store.acquire_lease(name=LEASE, holder="b", at=T0 + TTL, ttl=TTL)
    assert taken == 2

    await store.release_lease(name=LEASE, holder="a", token=1)
    await store.release_lease(name=LEASE, holder="a", token=2)

    assert await store.acquire_lease(name=LEASE, holder="c", at=T0 + TTL + timedelta(seconds=1), ttl=TTL) is None


async def test_a_claim_under_the_current_token_claims(store: SqlStore) -> None:
    token = await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL)
    assert token is not None
    await store.enqueue(items=[item("k1"), item("k2")])

    claimed = await store.claim(keys=["k1", "k2"], fence=Fence(LEASE, "a", token))

    assert claimed == {"k1", "k2"}
    assert [await tries(store, "k1"), await tries(store, "k2")] == [1, 1]


async def test_a_claim_under_a_stale_token_claims_nothing(store: SqlStore) -> None:
    stale = await store.acquire_lease(name=LEASE, holder="a", at=T0, ttl=TTL)
    assert stale is not None
    await store.acquire_lease(name=LEASE, holder="b", at=T0 + TTL, ttl=TTL)  # b took over
    await store.enqueue(items=[item("k1")])

    claimed = await store.claim(keys=["k1"], fence=Fence(LEASE, "a", stale))

    assert claimed == set()
    assert await tries(store, "k1") == 0, "nothing was counted as begun"
    assert await store.pending(due_by=T0) == [item("k1")]


async def test_a_claim_fenced_with_another_holders_name_or_no_lease_at_all_claims_nothing(store: SqlStore) -> None:
    await store.enqueue(items=[item("k1")])
    nobody = await store.claim(keys=["k1"], fence=Fence(LEASE, "a", 1))
    await store.acquire_lease(name=LEASE, holder="b", at=T0, ttl=TTL)
    impostor = await store.claim(keys=["k1"], fence=Fence(LEASE, "a", 1))

    assert (nobody, impostor) == (set(), set())
    assert await tries(store, "k1") == 0
