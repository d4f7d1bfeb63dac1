"""A reporter outside the plan as people read them, and what they are told of their alarm.

They are named by what Teams said of them: ``Anne Andersen (anne@example.org)``, or with their Entra
object id when the Connector gave no email. Their notices are chat messages in Danish, the plan's
language (they are sent later, not as an answer to the reporter's own message).
"""

from ..core.commands import ReporterNews
from ..core.events import OutsideReporter
from ..core.state import CrisisState
from ..plan.models import Plan
from .names import clip, person_name
from .plain import literal
from .texts import say

WHAT_CLIP = 80
"""Characters of the alarm's first line a notice quotes."""


def reporter_name(reporter: OutsideReporter) -> str:
    """``Anne Andersen (anne@example.org)``: how the cards and the logbog name them (and their alarm's actor)."""
    return f"{reporter.name} ({reporter.email or f'Entra-id {reporter.aad_object_id}'})"


def reporter_notice(plan: Plan, state: CrisisState, news: ReporterNews) -> str:
    """The chat message (Markdown) that tells the reporter ``news`` of the crisis's alarm."""
    decided = {ReporterNews.NOT_CRITICAL: state.triage, ReporterNews.ACTIVATED: state.director}.get(news)
    return say(
        "da", f"reporter.{news.value}",
        id=state.id, what=literal(clip(state.description.splitlines()[0], WHAT_CLIP)),
        name=literal(person_name(plan, decided.actor)) if decided else "",
    )
