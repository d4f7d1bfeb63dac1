"""A part of the engine that is built after a part that needs it: how the app closes a dependency cycle.

The crises start the pager's pages, and the pager records into the crises; the breakers report
to the outage response, which pages through guards on those breakers. The part built first
takes a ``Later`` (a ``Callable[[], T]``) in its constructor; the app binds it once, before
anything runs. Calling it unbound is a wiring bug.
"""

from typing import Generic, TypeVar

T = TypeVar("T")


class Later(Generic[T]):
    """``what`` once it is built: bound once with ``bind``, given by calling."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._target: T | None = None

    def bind(self, target: T) -> T:
        """Bind the built part; return it."""
        if self._target is not None:
            raise RuntimeError(f"{self._what} is bound already")
        self._target = target
        return target

    def __call__(self) -> T:
        if self._target is None:
            raise RuntimeError(f"{self._what} is not built yet")
        return self._target
