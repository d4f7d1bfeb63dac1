"""The Graph SDK's waits between retries: production sleeps what Graph asks for, tests sleep none of it.

``open_graph`` takes a ``retry_wait_scale`` (tests pass ``RETRY_WAIT_SCALE``, 0): which
requests are retried, and which waits are too long to retry at all, stays the same. What the
retry handler asks ``asyncio.sleep`` for is recorded, so no test here waits or times anything.
"""

from types import SimpleNamespace

import pytest
from kiota_abstractions.api_error import APIError
from kiota_http.middleware import retry_handler

from bot.graph.client import open_graph
from bot.settings import load_settings
from tests.fakes.graph import RETRY_WAIT_SCALE, FakeCredential, FakeGraph

USER = "aad-cvo"


@pytest.fixture
async def graph():
    async with FakeGraph() as fake:
        fake.add_user(USER, "cvo@struer.dk", "Claus Vagn Ohrt")
        yield fake


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the SDK's retry handler asks to sleep, in order (nothing is slept)."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(retry_handler, "asyncio", SimpleNamespace(sleep=sleep))
    return waits


@pytest.mark.parametrize(
    ("options", "waits"), [({}, [2.0, 2.0]), ({"retry_wait_scale": RETRY_WAIT_SCALE}, [0.0, 0.0])], ids=["production", "tests"]
)
async def test_throttling_is_retried_after_retry_after_or_at_once_in_tests(
    graph: FakeGraph, slept: list[float], options: dict, waits: list[float]
) -> None:
    graph.fail_next(429, count=2, retry_after=2)

    settings = load_settings(_env_file=None, graph_base_url=graph.url)
    async with open_graph(settings, credential=FakeCredential(), **options) as client:
        user = await client.users.by_user_id(USER).get()

    assert user.display_name == "Claus Vagn Ohrt"
    assert [r.status for r in graph.calls("get_user")] == [429, 429, 200]
    assert slept == waits


async def test_a_wait_too_long_to_retry_is_declined_in_tests_too(graph: FakeGraph, slept: list[float]) -> None:
    graph.fail_next(429, retry_after=120)

    settings = load_settings(_env_file=None, graph_base_url=graph.url)
    async with open_graph(settings, credential=FakeCredential(), retry_wait_scale=RETRY_WAIT_SCALE) as client:
        with pytest.raises(APIError) as caught:
            await client.users.by_user_id(USER).get()

    assert caught.value.response_status_code == 429
    assert [r.status for r in graph.calls("get_user")] == [429]
    assert slept == []
