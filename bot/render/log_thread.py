"""What the crisis thread in the log channel shows: one post per event people did or must know, and one
summary post per alarmering wave, at the wave's place, edited in place as its deliveries complete.

Pure: ``thread_posts`` gives the whole thread of a crisis as its logbog now stands; the engine posts
those not yet posted, in order, and edits a summary whose text changed. Delivery mechanics (pages sent,
failed, delivered, calls, the SMS and keys that carried an answer) are in no post of their own, and no
post names a message, SMS or call id; the logbog keeps them all (``docs/adr/0029-a-log-thread-for-people.md``).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ..core.events import Event
from ..plan.models import Plan
from .human import human_events
from .log_lines import log_line
from .wave_summary import wave_line
from .waves import waves


@dataclass(frozen=True, slots=True)
class ThreadPost:
    """One post of the thread: the event it stands for (a wave: its ``PagesRequested``) and its Markdown text."""

    seq: int
    text: str
    wave: bool = False
    """A wave's summary, edited in place while its text changes."""


def thread_posts(plan: Plan, logbog: Sequence[Event]) -> list[ThreadPost]:
    """The thread of one crisis whose events (in order) are ``logbog``, post by post in order."""
    posts = [ThreadPost(event.seq, log_line(plan, event)) for event in human_events(logbog)]
    posts += [ThreadPost(wave.seq, wave_line(plan, wave), wave=True) for wave in waves(logbog)]
    return sorted(posts, key=lambda post: post.seq)
