"""The text of a page by SMS: Danish, GSM-7, at most two segments (306 characters). Pure.

    Krise K-2026-001: kritisk alarm - vurder den. O365: Exchange svarer ikke. Mod: …
    Svar til 1204: "KRISE 3K" kvitter, "KRISE 3D" underret direktoren, …

The crisis id, why the person is paged, where to meet and the reply instructions always
fit; the alarm's description is shortened to make room. Why a page is sent and where to meet are
``bot.render.page_words``' words for its purpose. An external participant's summons leaves out the
description and STATUS (``to_outsider``):

    Krise K-2026-001: Jesper Thyrring Møller (Kommunaldirektør, Struer Kommune) indkalder dig til
    krisestaben. Mød: Byrådssalen, Struer Rådhus kl. 09:30. Svar til 1204: "KRISE 2K" kommer (+ minutter), …
"""

from dataclasses import dataclass

from ...core.events import PagePurpose
from ...core.lifecycle import current_level
from ...core.replies import LABELS, Answer, Reply, letter_answer
from ...core.state import CrisisState, Phase
from ...plan.models import Plan
from ...render.names import delivery_names, level_name
from ...render.page_words import sentence, sms_meeting, sms_why, to_outsider
from .gsm import TWO_SEGMENTS, fit, gsm7, septets


@dataclass(frozen=True, slots=True)
class ReplyRoute:
    """How replies reach Krisebot: an optional leased keyword and the number to text it to."""

    keyword: str = ""
    number: str = ""

    def code(self, text: str) -> str:
        """``"KRISE 1K"`` with a keyword, else ``1K``."""
        return f'"{self.keyword} {text}"' if self.keyword else text

    def lead(self) -> str:
        return f"Svar til {self.number}:" if self.number else "Svar"


def page_text(
    plan: Plan, state: CrisisState, *, purpose: PagePurpose, person: str, roles: tuple[str, ...], code: int,
    replies: list[Reply], route: ReplyRoute, called_from: str = "",
) -> str:
    """The SMS to ``person`` for one page, with the reply choices ``replies`` under ``code``; ``called_from`` is the
    number a call about the same page came from that nobody answered with a key (said, so people recognise it)."""
    meet = " ".join(part for part in (_called(called_from), sms_meeting(plan, state, purpose)) if part)
    answer = _answers(code, purpose, replies, route, outsider=to_outsider(plan, purpose, person))
    heads = (sms_why(plan, state, purpose, person, roles), sms_why(plan, state, purpose, person, ()))
    for head in (f"Krise {state.id}: {why}." for why in heads):
        room = TWO_SEGMENTS - septets(gsm7(" ".join(part for part in (head, meet, answer) if part))) - 1
        if room >= 0:
            break
    what = fit(_what(plan, state), room) if room > 8 and not to_outsider(plan, purpose, person) else ""
    return fit(" ".join(part for part in (head, what, meet, answer) if part))


def _called(number: str) -> str:
    return f"Vi ringede fra {number} uden svar." if number else ""


def status_text(plan: Plan, states: list[CrisisState]) -> str:
    """What ``STATUS`` is answered with (as a ``notice_text``): each open crisis in a line, newest first."""
    if not states:
        return "ingen aktiv krise."
    return "; ".join(
        f"{s.id} {_PHASES[s.phase]}, {level_name(plan, current_level(plan, s), in_sentence=True)}, "
        f"{sum(1 for a in s.answers.values() if a.coming)} kommer"
        for s in sorted(states, key=lambda s: s.opened_at, reverse=True)
    )


def notice_text(message: str) -> str:
    """Every short answer to an SMS (a confirmation, a refusal, the overview): ``Krisebot: <message>``."""
    return fit(f"Krisebot: {message}")


_PHASES = {
    Phase.TRIAGE: "vurderes",
    Phase.DIRECTOR: "hos direktøren",
    Phase.ACTIVATED: "kriseberedskab aktiveret",
    Phase.DISMISSED: "afvist",
    Phase.CLOSED: "afsluttet",
}


def _what(plan: Plan, state: CrisisState) -> str:
    """What happened (first who texted it, when the plan does not name the number), and the IT head's assessment
    once one was written, each a sentence."""
    deliveries = delivery_names(plan, state.deliveries)
    what = sentence(f"{deliveries}: {state.description}" if deliveries else state.description)
    if state.unverified_sender:
        what = f"Ubekræftet afsender {state.reporter_phone}: {what}"
    return f"{what} Vurdering: {sentence(state.triage.text)}" if state.triage and state.triage.text else what


_MORE = {Answer.COMING: " (+ minutter)"}
"""What more an answer's letter takes: ``2K 20`` is «kommer», in 20 minutes."""


def _answers(code: int, purpose: PagePurpose, replies: list[Reply], route: ReplyRoute, *, outsider: bool) -> str:
    if not replies:
        return ""
    choices = ", ".join(
        f"{route.code(f'{code}{reply.value}')} {LABELS[answer]}{_MORE.get(answer, '')}"
        for reply in replies for answer in [letter_answer(purpose, reply)]
    )
    return f"{route.lead()} {choices}." + ("" if outsider else " STATUS giver overblik.")
