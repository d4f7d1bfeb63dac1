"""Blocking fetches of the auth path (the bot's token, the signing keys) run off the event loop, one at a
time, within a time limit, and a failure is remembered: nothing a Microsoft server does can stall the loop."""

import asyncio
import threading

import pytest
from botframework.connector.auth import MicrosoftAppCredentials

from bot.errors import TokenError
from bot.teams.bot_token import RETRY, BotToken
from bot.teams.off_loop import SingleFlight, off_loop
from bot.teams.signing_keys import RETRY as KEYS_RETRY
from bot.teams.signing_keys import SigningKeys
from tests.fakes.openid import KEYS_PATH, METADATA_PATH, FakeTokenIssuer

WARM_UP = [METADATA_PATH, KEYS_PATH]


class Calls:
    """A blocking call that counts its calls, names the thread it ran in, and waits while ``gate`` is clear."""

    def __init__(self, answer: str = "svar") -> None:
        self.answer = answer
        self.threads: list[str] = []
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self) -> str:
        self.threads.append(threading.current_thread().name)
        self.gate.wait(10)
        return self.answer


class Seconds:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_call_runs_in_a_worker_thread() -> None:
    call = Calls()

    assert await off_loop(call, timeout=5, name="prøve") == "svar"
    assert call.threads == ["prøve"]


async def test_a_call_past_its_time_limit_is_given_up_and_the_next_one_starts_afresh() -> None:
    call = Calls()
    call.gate.clear()

    with pytest.raises(TimeoutError):
        await off_loop(call, timeout=0.05, name="prøve")
    with pytest.raises(TimeoutError):
        await off_loop(call, timeout=0.05, name="prøve")

    assert len(call.threads) == 2  # the hung first call did not keep the second from starting
    call.gate.set()


async def test_callers_that_come_while_a_fetch_runs_share_it() -> None:
    call = Calls()
    call.gate.clear()
    fetch = SingleFlight(lambda: off_loop(call, timeout=5, name="prøve"))

    first, second = asyncio.create_task(fetch()), asyncio.create_task(fetch())
    await asyncio.sleep(0)  # both are waiting now
    call.gate.set()

    assert [await first, await second] == ["svar", "svar"]
    assert len(call.threads) == 1


async def test_a_bot_token_that_does_not_come_in_time_is_a_token_error_remembered_for_a_while(monkeypatch) -> None:
    call = Calls("token-1")
    call.gate.clear()
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda credentials, force_refresh=False: call())
    clock = Seconds()
    token = BotToken(MicrosoftAppCredentials("app-id", "secret", "tenant"), timeout=0.05, clock=clock)

    with pytest.raises(TokenError, match=r"adgangstoken til Bot Framework \(intet svar inden for 0.05 s\)"):
        await token.headers()
    with pytest.raises(TokenError):
        await token.headers()
    assert len(call.threads) == 1  # the second request was answered from the remembered failure
    call.gate.set()
    clock.now += RETRY

    assert await token.headers() == {"Authorization": "Bearer token-1"}


@pytest.fixture
def issuer():
    with FakeTokenIssuer() as fake:
        yield fake


async def test_signing_keys_come_from_the_metadata_and_unknown_ones_are_looked_for_at_most_once_a_minute(
    issuer: FakeTokenIssuer,
) -> None:
    clock = Seconds()
    keys = SigningKeys(issuer.metadata_url, clock=clock)

    assert await keys.has(issuer.kid)
    assert (await keys.get(issuer.kid)).endorsements == ["msteams"]
    assert not await keys.has("made-up")
    assert issuer.fetched == WARM_UP
    clock.now += KEYS_RETRY

    assert not await keys.has("made-up")
    assert issuer.fetched == WARM_UP * 2


async def test_a_failed_refresh_keeps_the_keys_and_is_logged(issuer: FakeTokenIssuer, caplog) -> None:
    keys = SigningKeys(issuer.metadata_url)
    assert await keys.refresh()
    broken = SigningKeys(f"{issuer.base_url}/nowhere")

    assert not await broken.refresh()
    issuer.close()
    assert not await keys.refresh()

    assert await keys.has(issuer.kid)
    assert "could not refresh Bot Framework signing keys: HTTPError" in caplog.text
    assert "could not refresh Bot Framework signing keys: ConnectionError" in caplog.text
