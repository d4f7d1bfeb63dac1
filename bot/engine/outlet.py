"""The Outlet protocol: how the engine writes a crisis's thread in the log channel, and tells a reporter
outside the plan what became of their alarm.

The Teams package implements it; tests and local runs may use any other. Each method may
fail; the engine logs the failure and goes on with the next command.
"""

from collections.abc import Collection
from typing import Protocol

from ..core.commands import ReporterNews
from ..core.events import PagePurpose
from ..core.state import CrisisState


class Outlet(Protocol):
    async def ready(self) -> bool:
        """Is there a log channel to mirror into (a local check, no network)?"""

    async def post_to_log(self, state: CrisisState, text: str, *, late: bool) -> str | None:
        """Post ``text`` (Markdown) in the crisis thread of the log channel; the post's activity id ("" if the
        channel named none), None if there is no log channel.

        ``late``: what it tells was recorded during an outage, and the post says so.
        """

    async def edit_in_log(self, state: CrisisState, activity_id: str, text: str, *, late: bool) -> None:
        """Replace the text of the crisis thread's post ``activity_id`` by ``text`` (``late`` as when it was posted)."""

    async def refresh_situation(self, state: CrisisState) -> None:
        """Post or update the crisis's situation card."""

    async def refresh_pages(self, state: CrisisState, purposes: Collection[PagePurpose] = ()) -> None:
        """Bring the page cards already sent in the crisis for ``purposes`` (all if empty) up to date in place (after
        an outage, or when what they say has changed)."""

    async def tell_reporter(self, state: CrisisState, news: ReporterNews) -> None:
        """Tell the crisis's reporter outside the plan ``news`` in their 1:1 chat with the bot (if it is known)."""
