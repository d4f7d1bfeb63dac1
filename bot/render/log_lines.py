"""One logbog event as a line in the crisis thread of the log channel: ``08:17 · Claus Vagn Ohrt: …``.

Teams renders a message's text as Markdown: the line is text, escaped whole, so what people and
alarm systems wrote shows as written.
"""

from datetime import datetime

from ..clock import LOCAL_TIME
from ..core.events import Event
from ..plan.models import Plan
from .export import actor_name, event_sentence
from .plain import literal


def log_line(plan: Plan, event: Event) -> str:
    """The event's Danish local time, actor and full sentence, as the exported logbog words it (Markdown)."""
    return stamped(event.at, f"{actor_name(plan, event.actor)}: {event_sentence(plan, event)}")


def stamped(at: datetime, text: str) -> str:
    """``08:17 · text``: a post of the thread at ``at`` (Danish local time), its text shown as written (Markdown)."""
    return literal(f"{at.astimezone(LOCAL_TIME):%H:%M} · {text}")
