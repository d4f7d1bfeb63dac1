"""The Outlet protocol: how the engine writes a crisis's thread in the log channel, and tells a reporter
outside the plan what became of their alarm.

The Teams package implements it; tests and local runs may use any other. Each method may
fail; the engine logs the failure and goes on with the next command.
"""

from collections.abc import Collection, Sequence
from typing import Protocol

from ..core.commands import ReporterNews
from ..core.events import Event, PagePurpose
from ..core.state import CrisisState


class LogPost(Protocol):
    """One post of a crisis's log thread, as the outlet words it."""

    @property
    def seq(self) -> int:
        """The logbog event it stands for (a wave's summary: the wave's ``PagesRequested``); posts go in this order."""

    @property
    def text(self) -> str:
        """What it says."""

    @property
    def wave(self) -> bool:
        """A wave's summary: posted once, then edited in place whenever ``text`` changes."""


class Outlet(Protocol):
    async def ready(self) -> bool:
        """Is there a log channel to mirror into (a local check, no network)?"""

    def log_posts(self, logbog: Sequence[Event]) -> Sequence[LogPost]:
        """The posts of the thread of the crisis whose events (in order) are ``logbog``, in order (pure, local)."""

    async def post_to_log(self, state: CrisisState, post: LogPost, *, late: bool) -> str | None:
        """Post ``post`` in the crisis thread of the log channel; its activity id ("" if the channel named none),
        None if there is no log channel.

        ``late``: what it tells was recorded during an outage, and the post says so.
        """

    async def edit_in_log(self, state: CrisisState, activity_id: str, post: LogPost, *, late: bool) -> None:
        """Make the crisis thread's post ``activity_id`` say what ``post`` says now (``late`` as when it was posted)."""

    async def refresh_situation(self, state: CrisisState) -> None:
        """Post or update the crisis's situation card."""

    async def refresh_pages(self, state: CrisisState, purposes: Collection[PagePurpose] = ()) -> None:
        """Bring the page cards already sent in the crisis for ``purposes`` (all if empty) up to date in place (after
        an outage, or when what they say has changed)."""

    async def tell_reporter(self, state: CrisisState, news: ReporterNews) -> None:
        """Tell the crisis's reporter outside the plan ``news`` in their 1:1 chat with the bot (if it is known)."""
