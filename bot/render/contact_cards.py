"""The situation card's buttons that record contacts made outside Krisebot and arrivals. Pure.

``contact_actions`` gives the card's ``Action.ShowCard`` buttons, ready for its ``actions``
list: «Registrér kontakt» (a person whose answer is outstanding, reached by phone, in person, by mail or SMS, and
their answer: verb ``record_contact``), «Registrér ankomst» (once the crisis staff is activated: a summoned person
or a recorded external participant not yet arrived: verb ``record_arrival``) and «Eksterne deltagere» (an external
participant contacted or called in: verb ``record_external``; once the crisis staff is activated, and when the plan
lets Krisebot summon one of them, also «Indkald via sms og opkald»). An open crisis offers them; the
lifecycle decides who may use them (and whom Krisebot may summon).
"""

from typing import Any

from ..core.contact_commands import SUMMON
from ..core.events import ContactAnswer, ContactMethod, ExternalStatus, PagePurpose
from ..core.state import CrisisState, Phase
from ..plan.contact import Channel
from ..plan.models import Plan
from .cards import render
from .names import external_name, person_name
from .texts import Lang, say

Card = dict[str, Any]


def contact_actions(plan: Plan, state: CrisisState, lang: Lang) -> list[Card]:
    """The ShowCard buttons for the situation card of ``state``: none once the crisis is over."""
    if not state.phase.open:
        return []
    actions = []
    people = _outstanding(plan, state)
    if people:
        actions.append(_show_card(lang, "contact.title", render("contact_form", _contact_data(state, lang, people))))
    expected = _expected(plan, state)
    if expected:
        data = {"crisis": state.id, "people": expected, "labels": _labels(
            lang, person="arrival.person", placeholder="arrival.placeholder", required="arrival.required", save="arrival.save",
        )}
        actions.append(_show_card(lang, "arrival.title", render("arrival_form", data)))
    if plan.external_participants:
        actions.append(_show_card(lang, "external.title", render("external_form", _external_data(plan, state, lang))))
    return actions


def _outstanding(plan: Plan, state: CrisisState) -> list[dict[str, str]]:
    """The people whose answer is outstanding: a page of theirs waits, or they have not answered the summons.
    (A recorded answer is corrected with the ``kontakt`` command; the card stays small.)"""
    summoned = state.phase is Phase.ACTIVATED
    people = dict.fromkeys(
        page.person for page in state.pages if page.purpose is not PagePurpose.EXTERNAL and (
            page.waiting or (summoned and page.purpose is PagePurpose.SUMMONS and page.person not in state.answers)
        )
    )
    return [{"title": person_name(plan, p), "value": p} for p in people]


def _expected(plan: Plan, state: CrisisState) -> list[dict[str, str]]:
    """Who may still arrive, once the crisis staff is activated: the summoned people, then the external participants
    someone contacted, called in or had Krisebot summon, each not recorded as arrived. (Anyone else arrives by the
    ``ankommet`` command; the card stays small.)"""
    if state.phase is not Phase.ACTIVATED:
        return []
    summoned = dict.fromkeys(page.person for page in state.pages_for(PagePurpose.SUMMONS))
    people = [{"title": person_name(plan, p), "value": p} for p in summoned if p not in state.arrivals]
    return people + [{"title": external_name(plan, e), "value": e} for e in state.externals if e not in state.arrivals]


def _contact_data(state: CrisisState, lang: Lang, people: list[dict[str, str]]) -> Card:
    answers = [ContactAnswer.KVITTERET]
    if state.phase is Phase.ACTIVATED:  # «kommer» answers a summons
        answers += [ContactAnswer.KOMMER, ContactAnswer.KOMMER_IKKE]
    return {
        "crisis": state.id,
        "people": people,
        "methods": [{"title": _say(lang, f"contact.how.{m.value}"), "value": m.value} for m in ContactMethod],
        "answers": [{"title": _say(lang, f"contact.answer.{a.value}"), "value": a.value} for a in answers],
        "labels": _labels(
            lang, person="contact.person", how="contact.how", answer="contact.answer", eta="contact.eta",
            etaPlaceholder="contact.eta_placeholder", save="contact.save",
        ),
    }


def _external_data(plan: Plan, state: CrisisState, lang: Lang) -> Card:
    statuses = [{"title": _say(lang, f"external.status.{s.value}"), "value": s.value} for s in ExternalStatus]
    if state.phase is Phase.ACTIVATED and any(e.summon for e in plan.external_participants):
        calls = Channel.VOICE in plan.contact_procedure.channels.for_purpose(PagePurpose.EXTERNAL).first
        title = _say(lang, "external.status.summon" if calls else "external.status.summon_sms")
        statuses.append({"title": title, "value": SUMMON})
    return {
        "crisis": state.id,
        "externals": [{"title": e.name, "value": e.id} for e in plan.external_participants],
        "statuses": statuses,
        "labels": _labels(lang, external="external.external", status="external.status", note="external.note", save="external.save"),
    }


def _show_card(lang: Lang, title: str, card: Card) -> Card:
    return {"type": "Action.ShowCard", "title": _say(lang, title), "card": card}


def _labels(lang: Lang, **keys: str) -> dict[str, str]:
    return {name: _say(lang, key) for name, key in keys.items()}


def _say(lang: Lang, key: str) -> str:
    return say(lang, f"card.{key}")
