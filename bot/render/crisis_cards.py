"""Adaptive Cards of a crisis: the alarm form, the pages, the situation card and invoke answers.

Pure functions from the plan and a ``CrisisState`` to card JSON: no I/O and no clock reads
(``now`` is a parameter where a default depends on it). Every crisis template opens with
the same fragment — the crisis id, a title, an optional ``deputy`` line (whom a deputy stands
in for), an optional ``notice`` line and the ``alarm`` block (facts, description, decisions) —
whose data ``_crisis_data`` builds. Button verbs and
input ids are those of ``bot.teams.verbs``; every button's data holds ``crisis``.
"""

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ..clock import LOCAL_TIME
from ..core.coverage import assessing_role, uncovered_roles
from ..core.end_notices import END_NOTICES
from ..core.events import DirectorDecision, LogEntryKind, PagePurpose
from ..core.lifecycle import current_level, current_meeting_place
from ..core.permissions import Permission, may
from ..core.state import Answer, CrisisState, Decision, ExternalContact, LogLine, Page, Phase
from ..plan.models import Level, MeetingPlace, MeetingPlaceKind, Plan
from .cards import render
from .contact_cards import contact_actions
from .moments import stated_arrival
from .names import (
    channel_name, clip, delivery_names, external_name, inside_sentence, level_name, person_name, place_text, role_names,
    source_name,
)
from .page_words import notice_values, page_title, stand_in
from .plain import Markup
from .reporters import reporter_name
from .texts import Lang, say

Card = dict[str, Any]

MEETING_DELAY = timedelta(minutes=30)
"""The director's meeting time defaults to now plus this, rounded up to ``MEETING_STEP``."""
MEETING_STEP = timedelta(minutes=5)
SITUATION_LOG_LINES = 5
SITUATION_CLIP = 500
"""The situation card clips free texts (up to 4000 characters each) to stay under Teams' 28 KB:
the description and decisions to this, log lines and failure reasons shorter; the thread has them whole.
They leave room for the buttons that record contacts (``bot.render.contact_cards``)."""
LOG_CLIP = 240
REASON_CLIP = 120
ETA_CLIP = 60
"""A stated arrival (up to 200 characters) on the situation card, where it is one line per person coming."""


# --- the alarm form ------------------------------------------------------------------------


def alarm_form(plan: Plan, lang: Lang) -> Card:
    """The form behind ``alarm``: source, affected deliveries, description and a call-back number."""
    triage = plan.role_by_id[plan.alarm_chain.triage_role]
    return render(
        "alarm_form",
        {
            "title": _say(lang, "alarm.title"),
            "intro": _say(lang, "alarm.intro", role=inside_sentence(triage.name), name=plan.person_by_id[triage.primary].name),
            "sources": [{"title": s.name, "value": s.id} for s in plan.alarm_sources],
            "deliveries": [
                {"title": f"{d.name} – {d.description}" if d.description else d.name, "value": d.id}
                for d in plan.deliveries
            ],
            "labels": _labels(
                lang,
                source="alarm.source", sourceError="alarm.source_error", deliveries="alarm.deliveries",
                description="alarm.description", descriptionPlaceholder="alarm.description_placeholder",
                descriptionError="alarm.description_error", phone="alarm.phone",
                phonePlaceholder="alarm.phone_placeholder", send="alarm.send",
            ),
        },
    )


# --- the pages -----------------------------------------------------------------------------

# The pages the situation card lists; a moved meeting's notice, monitoring's resolved notice, the
# notice of a role nobody answers for and the notices of the crisis's end add nothing to the picture (the
# log thread has them; the uncovered roles are ``CrisisState.uncovered``); an external participant's
# summons is its line under «Eksterne».
_SHOWN = frozenset(PagePurpose) - {
    PagePurpose.MEETING_MOVED, PagePurpose.MONITORING, PagePurpose.UNCOVERED, PagePurpose.EXTERNAL, *END_NOTICES,
}


def page_card(
    plan: Plan, state: CrisisState, lang: Lang, *, person: str, purpose: PagePurpose, now: datetime,
    roles: Sequence[str] | None = None,
) -> Card:
    """The card a page for ``purpose`` carries to ``person``.

    ``roles`` are the roles the page is sent for (``SendPage.roles``); without them, those of
    the person's recorded page for ``purpose``, else every role they hold that fits it. A deputy's
    card says whom they stand in for.
    """
    deputy = stand_in(plan, purpose, person, roles or _page_roles(plan, state, person, purpose), lang)
    match purpose:
        case PagePurpose.TRIAGE:
            return triage_card(plan, state, lang, deputy=deputy)
        case PagePurpose.DIRECTOR:
            return director_card(plan, state, lang, person=person, now=now, deputy=deputy)
        case PagePurpose.SUMMONS | PagePurpose.MEETING_MOVED:
            return summons_card(plan, state, lang, person=person, roles=roles, purpose=purpose, deputy=deputy)
        case _:
            return notice_card(plan, state, lang, person=person, purpose=purpose, roles=roles, deputy=deputy)


def triage_card(plan: Plan, state: CrisisState, lang: Lang, *, deputy: str = "") -> Card:
    """The IT head's page: the alarm, an assessment and the triage decisions until one is taken; ``deputy`` says
    whom a deputy stands in for (``bot.render.page_words.stand_in``), as on every page card."""
    deciding, notice = _standing(plan, state, lang, PagePurpose.TRIAGE, Phase.TRIAGE)
    return render(
        "triage",
        {
            **_crisis_data(plan, state, lang, page_title(plan, state, PagePurpose.TRIAGE, lang), notice=notice, deputy=deputy),
            "open": deciding,
            "acknowledge": deciding and notice is None,
            "labels": _labels(
                lang,
                acknowledge="acknowledge", assessment="triage.assessment",
                assessmentPlaceholder="triage.assessment_placeholder", assessmentError="triage.assessment_error",
                informDirector="triage.inform_director", notCritical="triage.not_critical",
            ),
        },
    )


def director_card(plan: Plan, state: CrisisState, lang: Lang, *, person: str, now: datetime, deputy: str = "") -> Card:
    """The kriseleder's page to ``person``: the alarm and IT's assessment; activate, inform management or no action.
    Management to inform: anyone in the plan or its rest of the management but ``person``, and anyone else by
    address."""
    deciding, notice = _standing(plan, state, lang, PagePurpose.DIRECTOR, Phase.DIRECTOR)
    return render(
        "director",
        {
            **_crisis_data(plan, state, lang, page_title(plan, state, PagePurpose.DIRECTOR, lang), notice=notice, deputy=deputy),
            "open": deciding,
            "acknowledge": deciding and notice is None,
            "activateText": _say(lang, "director.activate_text", place=place_text(plan, current_meeting_place(plan, state))),
            "meetingTime": _default_meeting_time(now),
            "members": [{"title": f"{p.name} ({p.title})", "value": p.id} for p in plan.everyone if p.id != person],
            "labels": _labels(
                lang,
                acknowledge="acknowledge", note="director.note", activate="director.activate",
                meetingTime="director.meeting_time", meetingTimeError="director.meeting_time_error",
                activateConfirm="director.activate_confirm", inform="director.inform", members="director.members",
                emails="director.emails", emailsPlaceholder="director.emails_placeholder", informConfirm="director.inform_confirm",
                noAction="director.no_action",
            ),
        },
    )


def summons_card(
    plan: Plan, state: CrisisState, lang: Lang, *, person: str, roles: Sequence[str] | None = None,
    purpose: PagePurpose = PagePurpose.SUMMONS, deputy: str = "",
) -> Card:
    """The indkaldelse: the person's roles, where and when to meet, and Kommer / Kommer ikke; titled for ``purpose``
    (a summons, or the notice that the meeting moved)."""
    answering = state.phase is Phase.ACTIVATED
    answer = state.answers.get(person)
    notice = _closed_notice(state, lang)
    if answering and answer:
        notice = _notice(_say(lang, "summons.answered", answer=_answer_text(answer, lang)))
    role_ids = roles or _page_roles(plan, state, person, PagePurpose.SUMMONS)
    return render(
        "summons",
        {
            **_crisis_data(
                plan, state, lang, page_title(plan, state, purpose, lang), notice=notice,
                extra_facts=_meeting_facts(plan, state, lang), deputy=deputy,
            ),
            "roles": _say(lang, "summons.roles", roles=role_names(plan, role_ids, in_sentence=True)),
            "open": answering,
            "eta": answer.eta if answer else "",
            "move": _alternative_for(plan, state, person) if answering else None,
            "labels": _labels(
                lang,
                eta="summons.eta", etaPlaceholder="summons.eta_placeholder", coming="answer.coming",
                notComing="answer.not_coming", move="summons.move",
            ),
        },
    )


def notice_card(
    plan: Plan, state: CrisisState, lang: Lang, *, person: str, purpose: PagePurpose,
    roles: Sequence[str] | None = None, deputy: str = "",
) -> Card:
    """A page for INFORM, TOP_STAFF, MONITORING or UNCOVERED: what happened, why the person gets it, and Kvittér;
    for a notice of the crisis's end (``END_NOTICES``), what happened and nothing to answer."""
    page = state.page(person, purpose)
    acknowledged = page.acknowledged_at if page else None
    ended = purpose in END_NOTICES
    notice = None if ended else _closed_notice(state, lang)  # the message says it is over
    if notice is None and acknowledged:
        notice = _notice(_say(lang, "acknowledged", time=_time(acknowledged)))
    message = _say(
        lang, f"notice.{purpose.value}.why",
        roles=role_names(plan, roles or _page_roles(plan, state, person, purpose), in_sentence=True),
        **notice_values(plan, state),
    )
    return render(
        "notice",
        {
            **_crisis_data(plan, state, lang, page_title(plan, state, purpose, lang), notice=notice, deputy=deputy),
            "message": message,
            "acknowledge": notice is None and not ended and person in plan.person_by_id,  # a guest cannot answer
            "labels": _labels(lang, acknowledge="acknowledge"),
        },
    )


# --- the situation card and the log form ---------------------------------------------------


def situation_card(plan: Plan, state: CrisisState, lang: Lang) -> Card:
    """The situationsbillede at the root of the crisis's log thread, updated in place.

    It opens with what the crisis room needs, so that a phone shows it without scrolling: status, level,
    where and when to meet, who is coming (and when they arrive), who is not, who has not answered, and
    the roles nobody is coming for. The alarm, the contacts to the top crisis staff and the latest log
    lines follow; every page's delivery (channels, failures) is folded away behind «Vis leveringsdetaljer».
    """
    overview = [_status_fact(plan, state, lang), _fact(lang, "fact.level", level_name(plan, current_level(plan, state)))]
    if _activated(state):
        overview += _meeting_facts(plan, state, lang)
    next_level = _next_level(plan, state)
    log = state.log[-SITUATION_LOG_LINES:]
    card = render(
        "situation",
        {
            **_crisis_data(plan, state, lang, _say(lang, "situation.title"), limit=SITUATION_CLIP, status=False),
            "overview": overview,
            "uncovered": _uncovered_lines(plan, state, lang),
            "people": [*_people(plan, state, lang), *_externals(plan, state, lang)],
            "roles": _role_rows(plan, state, lang),
            "topStaff": _top_staff_rows(plan, state) or None,
            "log": [_log_row(plan, line, lang) for line in log] or None,
            "logMore": _say(lang, "situation.log_more", shown=len(log), total=len(state.log))
            if len(state.log) > len(log) else None,
            "open": state.phase.open,
            "logForm": _log_form(state, lang, title=None) if state.phase.open else None,
            "raise": {"level": next_level.id, "title": _say(lang, "situation.raise", level=inside_sentence(next_level.name))}
            if next_level else None,
            "labels": _labels(
                lang,
                roles="situation.roles", details="situation.details", topStaff="situation.top_staff",
                log="situation.log", logEntry="situation.log_entry", close="situation.close",
                closeNote="situation.close_note",
            ),
        },
    )
    return {**card, "actions": [*card.get("actions", []), *contact_actions(plan, state, lang)]}


def _nobody_coming(plan: Plan, state: CrisisState) -> list[str]:
    """The roles of an activated crisis none of whose holders has answered «kommer» or arrived, in the plan's order."""
    if not _activated(state):
        return []
    coming = {person for person, answer in state.answers.items() if answer.coming} | set(state.arrivals)
    return [role.id for role in plan.roles if not coming.intersection(role.chain)]


def _uncovered_lines(plan: Plan, state: CrisisState, lang: Lang) -> list[str]:
    """The card's warnings, at its top, while the crisis is open: the roles whose chain ran out with nobody answering
    (``CrisisState.uncovered``, in any open phase), then the other roles nobody is coming for; each in the plan's
    order. A closed crisis warns of nothing: nobody need come any more."""
    if not state.phase.open:
        return []
    chain_ran_out = set(uncovered_roles(state))
    ran_out = [role.id for role in plan.roles if role.id in chain_ran_out]
    missing = [role for role in _nobody_coming(plan, state) if role not in chain_ran_out]
    return [
        *([_say(lang, "situation.ran_out", roles=role_names(plan, ran_out))] if ran_out else []),
        *([_say(lang, "situation.uncovered", roles=role_names(plan, missing))] if missing else []),
    ]


def log_entry_form(plan: Plan, state: CrisisState, lang: Lang) -> Card:
    """A card to write a handling / beslutning / undladelse into the crisis's logbog."""
    del plan  # the same signature as the other crisis cards; the form needs nothing from the plan
    return _log_form(state, lang, title=_say(lang, "log.title"))


# --- answers to taps -----------------------------------------------------------------------


def refused_card(lang: Lang, message: str) -> Card:
    """The answer to a refused tap: nothing changed, and why."""
    return _message_card(lang, _say(lang, "refused.title"), _notice(message, "Attention"), None)


def result_card(lang: Lang, title: str, message: str) -> Card:
    """The answer to an accepted tap that has no card of its own."""
    return _message_card(lang, title, None, message)


def _message_card(lang: Lang, title: str, notice: dict[str, str] | None, message: str | None) -> Card:
    return render(
        "notice",
        {
            "crisis": None, "title": title, "notice": notice, "alarm": None, "message": message,
            "acknowledge": False, "labels": _labels(lang, acknowledge="acknowledge"),
        },
    )


# --- the shared fragment -------------------------------------------------------------------


def _crisis_data(
    plan: Plan, state: CrisisState, lang: Lang, title: str, *,
    notice: dict[str, str] | None = None, extra_facts: Sequence[dict[str, str]] = (), limit: int | None = None,
    status: bool = True, deputy: str = "",
) -> Card:
    """Data of the fragment every crisis template opens with; without ``status`` its facts leave out the crisis's
    status (a card that shows it elsewhere); ``deputy`` is a page's line of whom the person stands in for."""
    return {
        "crisis": state.id,
        "title": title,
        "deputy": deputy or None,
        "notice": notice,
        "alarm": {
            "facts": [*([_status_fact(plan, state, lang)] if status else []), *_alarm_facts(plan, state, lang), *extra_facts],
            "description": clip(state.description, limit),
            "decisions": [
                _decision(plan, state, lang, label, decision, limit)
                for label, decision in (
                    ("decision.triage", state.triage), ("decision.director", state.director),
                    ("decision.closing", state.closing),
                )
                if decision
            ],
        },
    }


def _status_fact(plan: Plan, state: CrisisState, lang: Lang) -> dict[str, str]:
    status = _say(lang, f"phase.{state.phase.value}")
    assessing = assessing_role(plan, state)
    if state.phase is Phase.TRIAGE and assessing != plan.alarm_chain.triage_role:  # nobody in IT answered
        status = _say(lang, "phase.triage_by", role=role_names(plan, [assessing], in_sentence=True))
    if state.closed_at:
        status = _say(lang, "fact.status_at", phase=status, time=_time(state.closed_at))
    return _fact(lang, "fact.status", status)


def _alarm_facts(plan: Plan, state: CrisisState, lang: Lang) -> list[dict[str, str]]:
    reporter = person_name(plan, state.reporter or state.raised_by)
    if state.outside_reporter:
        reporter = _say(lang, "fact.outside_reporter", name=reporter_name(state.outside_reporter))
    if state.unverified_sender:
        reporter = _say(lang, "fact.unverified_sender", phone=state.reporter_phone)
    elif state.reporter_phone:
        reporter = _say(lang, "fact.reporter_phone", name=reporter, phone=state.reporter_phone)
    local = state.opened_at.astimezone(LOCAL_TIME)
    return [
        _fact(lang, "fact.source", source_name(plan, state.source, _say(lang, "fact.unknown_source"))),
        _fact(
            lang, "fact.deliveries",
            delivery_names(plan, state.deliveries, _say(lang, "fact.unknown_delivery")) or _say(lang, "fact.none"),
        ),
        _fact(lang, "fact.reporter", reporter),
        _fact(lang, "fact.raised", _say(lang, "fact.date_time", date=f"{local:%d.%m.%Y}", time=f"{local:%H:%M}")),
    ]


def _decision(plan: Plan, state: CrisisState, lang: Lang, label: str, decision: Decision, limit: int | None) -> Card:
    """``IT's vurdering: Ikke kritisk – Claus Vagn Ohrt kl. 14:05`` and the assessment or note."""
    what = _say(lang, f"decision.{decision.value}", names=", ".join(person_name(plan, p, state.guests) for p in state.informed))
    return {
        "label": _say(lang, label),
        "line": _say(lang, "decision.by", what=what, name=person_name(plan, decision.actor), time=_time(decision.at)),
        "text": clip(decision.text, limit) or None,
    }


def _meeting_facts(plan: Plan, state: CrisisState, lang: Lang) -> list[dict[str, str]]:
    place = _meeting_place(plan, state)
    where = place_text(plan, place.id)
    if place.kind == MeetingPlaceKind.ALTERNATIVE:
        where = _say(lang, "fact.alternative", place=where)
    when = _time(state.meeting_at) if state.meeting_at else _say(lang, "fact.asap")
    return [_fact(lang, "fact.meeting_place", where), _fact(lang, "fact.meeting_time", when)]


# --- pieces --------------------------------------------------------------------------------


def _standing(
    plan: Plan, state: CrisisState, lang: Lang, purpose: PagePurpose, phase: Phase
) -> tuple[bool, dict[str, str] | None]:
    """Whether a decision page still decides, and its notice: who acknowledged it, or that the crisis ended."""
    if state.phase is not phase:
        return False, _closed_notice(state, lang)
    acknowledged = [(p.acknowledged_at, p.person) for p in state.pages_for(purpose) if p.acknowledged_at]
    if not acknowledged:
        return True, None
    at, person = min(acknowledged)
    return True, _notice(_say(lang, "acknowledged_by", name=person_name(plan, person), time=_time(at)))


def _closed_notice(state: CrisisState, lang: Lang) -> dict[str, str] | None:
    if state.phase.open or state.closed_at is None:
        return None
    return _notice(_say(lang, "closed", time=_time(state.closed_at)), "Attention")


def _notice(text: str, color: str = "Good") -> dict[str, str]:
    return {"text": text, "color": color}


def _role_rows(plan: Plan, state: CrisisState, lang: Lang) -> list[Card]:
    """Each role with its primary and every page sent for it; then pages for people without a role."""
    rows: list[Card] = [
        {
            "name": role.name,
            "holder": _say(lang, "situation.primary", name=person_name(plan, role.primary)),
            "pages": [_page_line(plan, state, p, lang) for p in state.pages if role.id in p.roles and p.purpose in _SHOWN]
            or [_say(lang, "situation.not_paged")],
        }
        for role in plan.roles
    ]
    others = [_page_line(plan, state, p, lang) for p in state.pages if not p.roles and p.purpose in _SHOWN]
    if others:
        rows.append({"name": _say(lang, "situation.others"), "holder": None, "pages": others})
    return rows


def _page_line(plan: Plan, state: CrisisState, page: Page, lang: Lang) -> Markup:
    """``**Name** · indkaldelse · sendt kl. 14:02 (Teams, sms) · kvitteret kl. 14:03 (Teams) · 1 fejl, senest …``;
    someone outside the plan, who cannot answer, is not waited for."""
    name = person_name(plan, page.person, state.guests)
    parts = [Markup("**{}**").format(name), _say(lang, f"purpose.{page.purpose.value}")]
    if page.first_sent_at:
        parts.append(_say(lang, "page.sent", time=_time(page.first_sent_at), channels=", ".join(map(channel_name, page.channels))))
    else:
        parts.append(_say(lang, "page.unsent"))
    if page.acknowledged_at:
        parts.append(_say(lang, "page.acknowledged", time=_time(page.acknowledged_at), via=channel_name(page.acknowledged_via or "")))
    elif page.person in plan.person_by_id:
        parts.append(_say(lang, "page.waiting"))
    if page.failures:
        parts.append(_say(lang, "page.failures", count=len(page.failures), last=clip(page.failures[-1], REASON_CLIP)))
    return Markup(" · ").join(parts)


def _people(plan: Plan, state: CrisisState, lang: Lang) -> list[Card]:
    """Who answered what: the summoned once the crisis staff is activated, else those paged for the decision
    the crisis waits for. Groups with nobody in them are left out, except who is coming: those who said so, then
    the people not summoned who arrived; one who arrived shows when instead of their stated arrival."""
    if _activated(state):
        summoned = dict.fromkeys(p.person for p in state.pages_for(PagePurpose.SUMMONS))
        answers = {person: state.answers.get(person) for person in summoned}
        arrived = {p: at for p, at in sorted(state.arrivals.items(), key=lambda item: item[1]) if p in plan.person_by_id}
        coming = [  # an arrival is a «kommer» of one summoned (``bot.core.lifecycle``)
            _arrived_line(plan, p, arrived[p], lang) if p in arrived else _coming_line(plan, p, a, lang)
            for p, a in answers.items() if a and a.coming
        ] + [_arrived_line(plan, p, at, lang) for p, at in arrived.items() if p not in summoned]
        not_coming = [_answered_line(plan, p, a.at, lang) for p, a in answers.items() if a and not a.coming]
        silent = [_bold(plan, p) for p, a in answers.items() if a is None]
        return [
            _group(lang, "situation.coming", "Good", coming),
            *(_group(lang, key, color, lines) for key, color, lines in (
                ("situation.not_coming", "Attention", not_coming), ("situation.no_answer", "Warning", silent),
            ) if lines),
        ]
    waiting = _WAITING.get(state.phase)
    if waiting is None:
        return []
    pages = state.pages_for(waiting)
    acknowledged = [
        Markup("{} – {}").format(_bold(plan, p.person), _say(lang, "situation.acknowledged_at", time=_time(at)))
        for p in pages if (at := p.acknowledged_at)
    ]
    unacknowledged = [_bold(plan, p.person) for p in pages if not p.acknowledged_at]
    return [
        _group(lang, key, color, lines)
        for key, color, lines in (
            ("situation.acknowledged", "Good", acknowledged), ("situation.unacknowledged", "Warning", unacknowledged),
        ) if lines
    ]


def _externals(plan: Plan, state: CrisisState, lang: Lang) -> list[Card]:
    """The external participants someone contacted, called in or had Krisebot summon, as last recorded, with the
    participant's own answer (or that the summons reached it on no channel, or when it arrived) and the note; then
    those recorded only as arrived; none: no group."""
    arrived = [p for p in state.arrivals if p not in plan.person_by_id and p not in state.externals]
    lines = [
        Markup("**{}** – {}").format(external_name(plan, external), _external_line(state, external, lang))
        for external in [*state.externals, *arrived]
    ]
    return [_group(lang, "situation.externals", "Default", lines)] if lines else []


def _external_line(state: CrisisState, external: str, lang: Lang) -> str:
    """``tilkaldt kl. 14:05 · ankommet kl. 14:40 – note``: the record, then the arrival or else the answer."""
    contact = state.externals.get(external)
    arrived = state.arrivals.get(external)
    arrival = [_say(lang, "situation.arrived", time=_time(arrived))] if arrived else []
    if contact is None:
        return " · ".join(arrival)
    then = arrival or _external_answer(state, external, contact, lang)
    return " · ".join([_external_record(contact, lang), *then]) + (f" – {clip(contact.note, REASON_CLIP)}" if contact.note else "")


def _external_record(contact: ExternalContact, lang: Lang) -> str:
    """``tilkaldt kl. 14:05``, or ``indkaldt kl. 14:05`` for Krisebot's summons."""
    status = "indkaldt" if contact.summoned else contact.status.value
    return _say(lang, f"situation.external.{status}", time=_time(contact.at))


def _external_answer(state: CrisisState, external: str, contact: ExternalContact, lang: Lang) -> list[str]:
    """``kommer, ankomst ca. 14:30``, ``kommer ikke``, or ``ikke nået`` for a summons lost on every channel."""
    answer = contact.answer
    if answer is None:
        page = state.page(external, PagePurpose.EXTERNAL)
        lost = contact.summoned and page is not None and page.lost_at is not None
        return [_say(lang, "situation.external.unreached")] if lost else []
    if not answer.coming:
        return [_say(lang, "situation.external.not_coming")]
    coming = _say(lang, "situation.external.coming")
    return [f"{coming}, {_arrival(answer, lang)}" if answer.eta else coming]


def _group(lang: Lang, key: str, color: str, lines: list[Markup]) -> Card:
    """A heading with how many, and a line per person."""
    return {"title": _say(lang, key, count=len(lines)), "color": color, "lines": lines}


_WAITING = {Phase.TRIAGE: PagePurpose.TRIAGE, Phase.DIRECTOR: PagePurpose.DIRECTOR}
"""The page whose answer a crisis not yet activated waits for."""


def _coming_line(plan: Plan, person: str, answer: Answer, lang: Lang) -> Markup:
    """``**Name** – ankomst ca. 14:33 (svar kl. 14:13)``; without an arrival, when they answered."""
    if not answer.eta:
        return _answered_line(plan, person, answer.at, lang)
    answered = _say(lang, "situation.answered_at", time=_time(answer.at))
    return Markup("{} – {} ({})").format(_bold(plan, person), _arrival(answer, lang), answered)


def _arrived_line(plan: Plan, person: str, at: datetime, lang: Lang) -> Markup:
    """``**Name** – ankommet kl. 14:31``."""
    return Markup("{} – {}").format(_bold(plan, person), _say(lang, "situation.arrived", time=_time(at)))


def _arrival(answer: Answer, lang: Lang) -> str:
    """``ankomst ca. 14:33`` for an arrival in minutes after the answer, else ``ankomst <as written>`` (clipped)."""
    arrival = stated_arrival(answer.at, answer.eta)
    if arrival is None:
        return _say(lang, "situation.arrival", eta=clip(answer.eta, ETA_CLIP))
    return _say(lang, "situation.arrival_at", time=_time(arrival))


def _answered_line(plan: Plan, person: str, at: datetime, lang: Lang) -> Markup:
    return Markup("{} – {}").format(_bold(plan, person), _say(lang, "situation.answered_at", time=_time(at)))


def _bold(plan: Plan, person: str) -> Markup:
    return Markup("**{}**").format(person_name(plan, person))


def _top_staff_rows(plan: Plan, state: CrisisState) -> list[dict[str, str]]:
    """The contact persons into the top crisis staff named at the level change, with their contact roles."""
    return [
        {"name": person_name(plan, p), "roles": role_names(plan, _page_roles(plan, state, p, PagePurpose.TOP_STAFF))}
        for p in state.top_staff_contacts
    ]


def _answer_text(answer: Answer | None, lang: Lang) -> str:
    """``Kommer, ankomst 15 min``, ``Kommer ikke`` or ``Ikke svaret``."""
    if answer is None:
        return _say(lang, "answer.none")
    if not answer.coming:
        return _say(lang, "answer.not_coming")
    return _say(lang, "answer.coming_eta", eta=answer.eta) if answer.eta else _say(lang, "answer.coming")


def _log_row(plan: Plan, line: LogLine, lang: Lang) -> dict[str, str]:
    return {
        "time": _time(line.at),
        "kind": _say(lang, f"log.kind.{line.kind.value}"),
        "name": person_name(plan, line.actor),
        "text": clip(line.text, LOG_CLIP),
    }


def _log_form(state: CrisisState, lang: Lang, *, title: str | None) -> Card:
    """The log entry form; without a title it is the body of the situation card's ShowCard."""
    return render(
        "log_entry",
        {
            "crisis": state.id,
            "title": title,
            "kinds": [{"title": _say(lang, f"log.kind.{kind.value}"), "value": kind.value} for kind in LogEntryKind],
            "labels": _labels(
                lang, kind="log.kind", text="log.text", textPlaceholder="log.text_placeholder",
                textError="log.text_error", add="log.add",
            ),
        },
    )


def _alternative_for(plan: Plan, state: CrisisState, person: str) -> str | None:
    """The alternative meeting place's id, if ``person`` may move the meeting there from the primary."""
    alternative = next((p for p in plan.meeting_places if p.kind == MeetingPlaceKind.ALTERNATIVE), None)
    if alternative is None or _meeting_place(plan, state).kind != MeetingPlaceKind.PRIMARY:
        return None
    return alternative.id if may(plan, person, Permission.MEETING_PLACE) else None


def _next_level(plan: Plan, state: CrisisState) -> Level | None:
    """The level an activated crisis at the plan's first level can be raised to."""
    order = plan.levels.order
    if state.phase is Phase.ACTIVATED and current_level(plan, state) == order[0].id and len(order) > 1:
        return order[1]
    return None


def _page_roles(plan: Plan, state: CrisisState, person: str, purpose: PagePurpose) -> list[str]:
    """The roles of the person's recorded page, else the roles they hold that such a page is for."""
    page = state.page(person, purpose)
    if page:
        return list(page.roles)
    held = [role.id for role in plan.roles_of(person)]
    return [r for r in held if r in plan.levels.top_staff_contacts] if purpose is PagePurpose.TOP_STAFF else held


def _activated(state: CrisisState) -> bool:
    """The director activated the crisis staff (the crisis may since have closed)."""
    return state.director is not None and state.director.value == DirectorDecision.ACTIVATE.value


def _meeting_place(plan: Plan, state: CrisisState) -> MeetingPlace:
    return plan.place_by_id[current_meeting_place(plan, state)]


def _default_meeting_time(now: datetime) -> str:
    """Now plus ``MEETING_DELAY``, rounded up to ``MEETING_STEP``, as local HH:MM."""
    step = MEETING_STEP.total_seconds()
    moment = math.ceil((now + MEETING_DELAY).timestamp() / step) * step
    return _time(datetime.fromtimestamp(moment, LOCAL_TIME))


def _fact(lang: Lang, key: str, value: str) -> dict[str, str]:
    return {"title": _say(lang, key), "value": value}


def _labels(lang: Lang, **keys: str) -> dict[str, str]:
    """Template labels: each name bound to the sentence of its text key."""
    return {name: _say(lang, key) for name, key in keys.items()}


def _say(lang: Lang, key: str, **values: object) -> str:
    """A sentence of the cards: their keys live under ``card.`` in ``bot.render.texts``."""
    return say(lang, f"card.{key}", **values)


def _time(moment: datetime) -> str:
    """HH:MM in Danish local time."""
    return f"{moment.astimezone(LOCAL_TIME):%H:%M}"
