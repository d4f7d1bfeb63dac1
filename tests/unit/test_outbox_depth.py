"""The outbox depth that ``/metrics`` reports: pending pages by channel, 0 once a channel is drained."""

from datetime import datetime, timedelta, timezone
from bot.database_url import DatabaseLocation
from bot.store import open_store
from bot.store.base import Finished, OutboxItem

AT = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)


def item(key: str, channel: str) -> OutboxItem:
    return OutboxItem(
        key=key, crisis_id="K-2026-001", person="cvo", roles=("it",), purpose="triage", channel=channel,
        attempt_at=AT, next_try_at=AT + timedelta(minutes=1), tries=0,
    )


async def test_outbox_depth_counts_pending_pages_by_channel(database: DatabaseLocation) -> None:
    store = await open_store(database)
    try:
        assert await store.outbox_depth() == {}
        await store.enqueue(items=[item("a", "teams"), item("b", "teams"), item("c", "mail")])
        assert await store.outbox_depth() == {"mail": 1, "teams": 2}

        await store.finish(items=[
            Finished(key="c", crisis_id="K-2026-001", status="sent", at=AT),
            Finished(key="a", crisis_id="K-2026-001", status="failed", at=AT),
        ])

        assert await store.outbox_depth() == {"mail": 0, "teams": 1}
    finally:
        await store.close()
