"""Circuit breakers and guarded calls: when Krisebot counts Teams, Graph or Entra as down, and back."""

from datetime import timedelta

import pytest

from bot.engine.breakers import Breaker, Breakers, BreakerState, Change, Dependency
from bot.engine.guard import Guard
from bot.errors import PermanentError, TokenError, TransientError
from tests.clock import Clock

COOLDOWN = timedelta(seconds=30)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_breaker_opens_at_the_threshold_of_consecutive_failures(clock: Clock) -> None:
    breaker = Breaker(Dependency.CONNECTOR, threshold=3, cooldown=COOLDOWN, clock=clock)
    assert breaker.failed("503") is None
    assert breaker.failed("503") is None
    change = breaker.failed("timeout")
    assert change == Change(Dependency.CONNECTOR, True, "3 fejl i træk, senest: timeout")
    assert breaker.state is BreakerState.OPEN
    assert breaker.admit() == clock.now + COOLDOWN


def test_a_success_in_between_resets_the_count(clock: Clock) -> None:
    breaker = Breaker(Dependency.GRAPH, threshold=2, cooldown=COOLDOWN, clock=clock)
    breaker.failed("503")
    assert breaker.succeeded() is None
    assert breaker.failed("503") is None
    assert breaker.state is BreakerState.CLOSED


def test_after_the_cooldown_one_probe_goes_and_its_success_closes_the_breaker(clock: Clock) -> None:
    breaker = Breaker(Dependency.CONNECTOR, threshold=1, cooldown=COOLDOWN, clock=clock)
    breaker.failed("503")
    clock.now += COOLDOWN
    assert breaker.admit() is None
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.admit() is not None, "only one probe at a time"
    assert breaker.succeeded() == Change(Dependency.CONNECTOR, False, "svarer igen")
    assert breaker.admit() is None


def test_a_failed_probe_opens_the_breaker_again_without_a_second_change(clock: Clock) -> None:
    breaker = Breaker(Dependency.CONNECTOR, threshold=1, cooldown=COOLDOWN, clock=clock)
    breaker.failed("503")
    clock.now += COOLDOWN
    breaker.admit()
    assert breaker.failed("503") is None
    assert breaker.state is BreakerState.OPEN
    assert breaker.admit() == clock.now + COOLDOWN


def test_a_probe_without_a_verdict_is_released(clock: Clock) -> None:
    breaker = Breaker(Dependency.CONNECTOR, threshold=1, cooldown=COOLDOWN, clock=clock)
    breaker.failed("503")
    clock.now += COOLDOWN
    breaker.admit()
    breaker.release()
    assert breaker.state is BreakerState.OPEN
    clock.now += COOLDOWN
    assert breaker.admit() is None


class Calls:
    """A dependency's answers in order: a value is returned, an exception raised."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.made = 0

    async def __call__(self):
        self.made += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture
def changes() -> list[Change]:
    return []


@pytest.fixture
def breakers(clock: Clock, changes: list[Change]) -> Breakers:
    async def listen(change: Change) -> None:
        changes.append(change)

    return Breakers(threshold=2, cooldown=COOLDOWN, clock=clock, listener=lambda: listen)


async def test_a_guard_counts_transient_failures_and_then_refuses_at_once(
    breakers: Breakers, clock: Clock, changes: list[Change]
) -> None:
    guard = Guard(breakers, Dependency.CONNECTOR, timeout=1, clock=clock)
    calls = Calls(TransientError("Teams svarede 503"), TransientError("Teams svarede 503"))
    for _ in range(2):
        with pytest.raises(TransientError):
            await guard.call(calls)
    assert [c.open for c in changes] == [True]
    assert breakers.any_open()
    with pytest.raises(TransientError) as refused:
        await guard.call(calls)
    assert calls.made == 2, "an open breaker does not call the dependency"
    assert refused.value.retry_after == 30


async def test_a_permanent_refusal_proves_the_dependency_answers(breakers: Breakers, clock: Clock) -> None:
    guard = Guard(breakers, Dependency.GRAPH, timeout=1, clock=clock)
    calls = Calls(TransientError("503"), PermanentError("404"), TransientError("503"))
    for _ in range(3):
        with pytest.raises((TransientError, PermanentError)):
            await guard.call(calls)
    assert not breakers.any_open()


async def test_a_hung_call_is_a_timeout_failure(breakers: Breakers, clock: Clock, changes: list[Change]) -> None:
    import asyncio

    async def hangs() -> None:
        await asyncio.sleep(10)

    guard = Guard(breakers, Dependency.CONNECTOR, timeout=0.01, clock=clock)
    for _ in range(2):
        with pytest.raises(TransientError, match="inden for"):
            await guard.call(hangs)
    assert changes[0].dependency is Dependency.CONNECTOR and changes[0].open


async def test_token_failures_count_against_entra_not_the_service(breakers: Breakers, clock: Clock) -> None:
    guard = Guard(breakers, Dependency.GRAPH, timeout=1, clock=clock)
    calls = Calls(TokenError("ingen token"), TokenError("ingen token"), "ok")
    for _ in range(2):
        with pytest.raises(TokenError):
            await guard.call(calls)
    assert breakers.states() == {"entra": "open", "graph": "closed", "connector": "closed"}
    assert await guard.call(calls) == "ok"
    assert breakers.states()["entra"] == "closed", "a call that needed a token proves Entra answers"
