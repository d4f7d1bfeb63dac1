"""Calls made in the same turn of the event loop, answered together by one bulk call.

A summons pages a hundred people at once, and each page asks the database the same kind of
question (a chat reference, a reply code). ``Gathered`` collects the questions asked before
the event loop moves on and answers them with one call of ``bulk``, which takes the list of
questions and returns the answers in the same order. A failure of the bulk call is raised to
every caller of that batch. Nothing is cached between batches.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

Q = TypeVar("Q")
A = TypeVar("A")


class Gathered(Generic[Q, A]):
    def __init__(self, bulk: Callable[[list[Q]], Awaitable[list[A]]]) -> None:
        self._bulk = bulk
        self._asked: list[Q] | None = None
        self._answer: asyncio.Task[list[A]] | None = None

    async def __call__(self, question: Q) -> A:
        if self._asked is None:
            self._asked = []
            self._answer = asyncio.create_task(self._answer_all(self._asked))
            self._answer.add_done_callback(retrieved)  # its callers may all be gone (cancelled at shutdown)
        answer = self._answer
        assert answer is not None  # set together with self._asked
        index = len(self._asked)
        self._asked.append(question)
        answers = await asyncio.shield(answer)
        return answers[index]

    async def _answer_all(self, asked: list[Q]) -> list[A]:
        await asyncio.sleep(0)  # let the others asking in this turn join
        self._asked = None
        return await self._bulk(asked)


def retrieved(future: asyncio.Future[Any]) -> None:
    """A done callback that marks the outcome as seen, so one nobody waits for any more is not reported as lost."""
    if not future.cancelled():
        future.exception()
