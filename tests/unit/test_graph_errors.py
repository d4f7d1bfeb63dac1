"""How a failed Graph call reaches the escalation engine: retry later, or give up on this channel."""

import pytest
from kiota_abstractions.api_error import APIError

from bot.errors import PermanentError, TransientError
from bot.graph.errors import GraphRefused, graph_call


async def answer(status: int, headers: dict[str, str] | None = None) -> None:
    raise APIError("failed", status, headers or {})


@pytest.mark.parametrize("status", [302, 408, 412, 429, 500, 502, 503, 504])
async def test_these_answers_mean_try_again(status: int) -> None:
    with pytest.raises(TransientError) as caught:
        await graph_call(answer(status, {"retry-after": "7"}))
    assert caught.value.retry_after == 7
    assert f"HTTP {status}" in caught.value.reason


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
async def test_these_answers_mean_give_up_on_the_channel(status: int) -> None:
    with pytest.raises(GraphRefused) as caught:
        await graph_call(answer(status), reasons={404: "brugeren findes ikke i Entra"})
    assert isinstance(caught.value, PermanentError)
    assert caught.value.status == status
    assert ("brugeren findes ikke i Entra" in caught.value.reason) == (status == 404)


async def test_a_retry_after_that_is_no_number_is_ignored() -> None:
    with pytest.raises(TransientError) as caught:
        await graph_call(answer(503, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}))
    assert caught.value.retry_after is None


async def test_a_bug_in_an_answer_never_escapes_as_anything_but_transient() -> None:
    async def broken() -> None:
        raise KeyError("value")

    with pytest.raises(TransientError, match="ugyldigt svar"):
        await graph_call(broken())
