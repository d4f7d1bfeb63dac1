"""How the logbog numbers its events, as the store finds it: the evidence an export gives that nothing is missing.

Every event of every crisis (and every SMS outside one) takes the next number of one series
(``seq``, never reused); the logbog refuses to change or delete a row. So a logbog is complete
when every number up to the last one given out holds an event.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Numbering:
    """The last number given out, and each run of numbers up to it that holds no event, as (first, last)."""

    last: int
    missing: tuple[tuple[int, int], ...] = ()

    @property
    def contiguous(self) -> bool:
        """Does every number from 1 to ``last`` hold an event?"""
        return not self.missing
