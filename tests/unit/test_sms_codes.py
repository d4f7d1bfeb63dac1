"""Reply codes per number, and handing SMS to the provider in batches."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timezone

import pytest

from bot.channels.sms.base import OutgoingSms, PartialSend
from bot.channels.sms.batcher import Batcher
from bot.errors import PermanentError, TransientError
from bot.database_url import DatabaseLocation
from bot.store import CodeRequest, SqlStore, open_store

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)
ANNA, BO = "+4520123456", "+4520654321"


@pytest.fixture
async def store(database: DatabaseLocation) -> AsyncIterator[SqlStore]:
    opened = await open_store(database)
    yield opened
    await opened.close()


async def code(store: SqlStore, number: str, crisis: str, purpose: str, open_crises=frozenset({"K-1", "K-2"})) -> int:
    [found] = await store.sms_codes(pages=[CodeRequest(number, crisis, purpose, "p")], at=T0, open_crises=set(open_crises))
    return found


async def test_codes_are_per_number_and_a_page_keeps_its_code(store: SqlStore) -> None:
    assert await code(store, ANNA, "K-1", "triage") == 1
    assert await code(store, ANNA, "K-1", "summons") == 2
    assert await code(store, BO, "K-1", "summons") == 1
    assert await code(store, ANNA, "K-1", "triage") == 1
    assert await code(store, ANNA, "K-2", "triage") == 3
    page = await store.sms_code_page(number=ANNA, code=2)
    assert (page.crisis_id, page.purpose) == ("K-1", "summons")
    assert await store.sms_code_page(number=BO, code=2) is None


async def test_codes_asked_together_are_given_in_one_go_in_order(store: SqlStore) -> None:
    pages = [CodeRequest(ANNA, "K-1", "triage", "a"), CodeRequest(BO, "K-1", "triage", "b"), CodeRequest(ANNA, "K-1", "summons", "a")]
    assert await store.sms_codes(pages=pages, at=T0, open_crises={"K-1"}) == [1, 1, 2]


async def test_codes_run_to_99_then_reuse_the_lowest_of_a_closed_crisis(store: SqlStore) -> None:
    for n in range(1, 100):
        await code(store, ANNA, f"K-{n}", "triage", open_crises={f"K-{m}" for m in range(1, 100)})
    reused = await code(store, ANNA, "K-100", "triage", open_crises={f"K-{m}" for m in range(3, 101)})
    assert reused == 1
    assert (await store.sms_code_page(number=ANNA, code=1)).crisis_id == "K-100"


async def test_help_replies_are_limited_per_number(store: SqlStore) -> None:
    allowed = [
        await store.help_replies_allowed(number=ANNA, at=T0, since=T0.replace(hour=7), limit=5) for _ in range(7)
    ]
    assert allowed == [True] * 5 + [False] * 2
    assert await store.help_replies_allowed(number=BO, at=T0, since=T0.replace(hour=7), limit=5)


class Provider:
    """Records each hand-over; answers with ids or with the error it is given."""

    name = "test"

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[list[str]] = []
        self.error = error

    async def send(self, messages: Sequence[OutgoingSms]) -> list[str]:
        self.calls.append([m.to for m in messages])
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        return [f"id-{m.ref}" for m in messages]


def sms(n: int) -> OutgoingSms:
    return OutgoingSms(to=f"+45200000{n:02d}", text="Krise", ref=str(n))


async def test_sends_at_the_same_time_are_handed_over_together_and_each_gets_its_id() -> None:
    provider = Provider()
    batcher = Batcher(provider, window=0.01, size=50)
    ids = await asyncio.gather(*(batcher.send(sms(n)) for n in range(120)))
    assert ids == [f"id-{n}" for n in range(120)]
    assert [len(call) for call in provider.calls] == [50, 50, 20]


async def test_a_failed_batch_fails_each_send_and_a_partial_one_only_the_failed() -> None:
    batcher = Batcher(Provider(TransientError("503")), window=0.001)
    results = await asyncio.gather(*(batcher.send(sms(n)) for n in range(3)), return_exceptions=True)
    assert all(isinstance(r, TransientError) for r in results)

    partial = PartialSend(["id-0", PermanentError("ugyldigt nummer"), "id-2"])
    batcher = Batcher(Provider(partial), window=0.001)
    results = await asyncio.gather(*(batcher.send(sms(n)) for n in range(3)), return_exceptions=True)
    assert results[0] == "id-0" and results[2] == "id-2"
    assert isinstance(results[1], PermanentError)


async def test_questions_asked_in_the_same_turn_are_answered_by_one_bulk_call() -> None:
    from bot.gathered import Gathered

    calls: list[list[int]] = []

    async def squares(numbers: list[int]) -> list[int]:
        calls.append(numbers)
        return [n * n for n in numbers]

    ask = Gathered(squares)
    assert await asyncio.gather(*(ask(n) for n in range(5))) == [0, 1, 4, 9, 16]
    assert await ask(7) == 49
    assert calls == [[0, 1, 2, 3, 4], [7]]
