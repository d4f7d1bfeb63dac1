"""The words of a page, per purpose, on every channel. Pure.

For each ``PagePurpose``: the title (the card's, the activity feed's, the mail's subject), what
the mail asks, why the SMS is sent and where it says to meet, and what a call says; and the
activity feed's preview (what happened: the title says why). A page to a deputy says on every
channel whom they stand in for (``stand_in``). An external participant's summons goes by SMS and call
only, says who summons it and where and when to meet, and keeps the alarm to the crisis room
(``to_outsider``). A call's words
are sentences a text-to-speech voice reads in Danish: short, no abbreviations, no Markdown;
the call desk turns them into its provider's markup. Keys and what they mean are
``bot.core.replies``'s; this module only says them.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..clock import LOCAL_TIME
from ..core.coverage import uncovered_roles
from ..core.events import PagePurpose
from ..core.lifecycle import current_level, current_meeting_place
from ..core.replies import KEYED_MINUTES, Answer, Key, eta_minutes
from ..core.state import CrisisState
from ..plan.models import ExternalParticipant, MeetingPlaceKind, Plan
from .names import clip, level_name, person_name, place_text, role_names
from .texts import Lang, say

FEED_PREVIEW_LIMIT = 150
"""Teams shows the first 150 characters of an activity's preview text."""
CALL_DESCRIPTION_LIMIT = 200
"""A call reads the alarm's description up to this many characters."""


@dataclass(frozen=True, slots=True)
class _Words:
    title: str
    """Text key (``bot.render.texts``) of the card's title, also the feed's and the mail's subject."""
    ask: str
    """The mail's line of what is asked; ``{teams}`` and the button labels of ``_LABELS`` are filled in."""
    sms: str
    """Why the SMS is sent; ``{as_roles}`` (`` som kriseleder`` or nothing), ``{summoner}`` (who had Krisebot summon
    an external participant) and the ``notice_values`` are filled in."""
    call: str
    """Why the call is made; ``{summoner}`` and the ``notice_values`` are filled in."""
    call_roles: str
    """The call's sentence naming the person's roles (``{roles}``)."""
    meeting: bool = False
    """The page says where and when to meet."""
    roles_on_card: bool = False
    """The card names the roles the page is for (the mail need not repeat them)."""
    to_roles: bool = True
    """The page is for roles: a deputy is told whom they stand in for (not so a person informed by name, nor the
    crisis leader told of a role nobody covers, nor anyone told the crisis is over)."""
    outsider: bool = False
    """The page goes to someone outside the organisation: it does not tell what the alarm says, and offers neither
    STATUS nor Teams."""


_ACK = "Tryk «{ack}» {teams}, så vi ved, at du har fået beskeden."
_NO_ANSWER = "Du skal ikke svare på beskeden."
_GIVEN = "Du får beskeden som {roles}."
_WORDS: dict[PagePurpose, _Words] = {
    PagePurpose.TRIAGE: _Words(
        title="card.triage.title",
        ask="Vurdér alarmen {teams}: tryk «{ack}», skriv din vurdering, og vælg «{inform}» eller «{dismiss}».",
        sms="kritisk alarm - vurdér den{as_roles}",
        call="Der er kommet en kritisk alarm, som du skal vurdere.",
        call_roles=_GIVEN,
    ),
    PagePurpose.DIRECTOR: _Words(
        title="card.director.title",
        ask="Beslut {teams}: «{activate}», «{inform_mgmt}» eller «{no_action}».",
        sms="IT beder dig tage stilling{as_roles}",
        call="IT beder dig tage stilling til, om kriseberedskabet skal aktiveres.",
        call_roles=_GIVEN,
    ),
    PagePurpose.SUMMONS: _Words(
        title="card.summons.title",
        ask="Mød op på mødestedet til mødetiden, og svar «{coming}» eller «{not_coming}» {teams}.",
        sms="kriseberedskabet er aktiveret - du indkaldes{as_roles}",
        call="Kriseberedskabet er aktiveret, og du indkaldes.",
        call_roles="Du indkaldes som {roles}.",
        meeting=True,
        roles_on_card=True,
    ),
    PagePurpose.INFORM: _Words(
        title="card.notice.inform.title",
        ask=_ACK,
        sms="til orientering fra kommunaldirektøren",
        call="{name} har besluttet, at du skal underrettes om en kritisk hændelse.",
        call_roles=_GIVEN,
        to_roles=False,
    ),
    PagePurpose.TOP_STAFF: _Words(
        title="card.notice.top_staff.title",
        ask=_ACK,
        sms="nu på {level} - du er kontakt ind i øverste krisestab{as_roles}",
        call="Krisen er hævet til {level}, og du er kontaktperson ind i øverste krisestab.",
        call_roles=_GIVEN,
        roles_on_card=True,
    ),
    PagePurpose.MEETING_MOVED: _Words(
        title="card.meeting_moved.title",
        ask="Mød op på det nye mødested, og tryk «{ack}» {teams}, så vi ved, at du har fået beskeden.",
        sms="mødestedet er flyttet - du er indkaldt{as_roles}",
        call="Mødestedet for krisestaben er flyttet.",
        call_roles="Du er indkaldt som {roles}.",
        meeting=True,
        roles_on_card=True,
    ),
    PagePurpose.MONITORING: _Words(
        title="card.notice.monitoring.title",
        ask=_ACK,
        sms="overvågningen melder alarmen afklaret - til dig{as_roles}",
        call="Overvågningen melder, at alarmen er afklaret, men krisen lukkes ikke af sig selv.",
        call_roles=_GIVEN,
    ),
    PagePurpose.UNCOVERED: _Words(
        title="card.notice.uncovered.title",
        ask="Find en, der kan tage rollen, og tryk «{ack}» {teams}, så vi ved, at du har fået beskeden.",
        sms="ingen har kvitteret for {uncovered}",
        call="Ingen har kvitteret for {uncovered}, selv om alle i kæden er prøvet.",
        call_roles=_GIVEN,
        to_roles=False,
    ),
    PagePurpose.EXTERNAL: _Words(  # by SMS and call only: the title and the mail's line are never shown
        title="card.summons.title",
        ask="",
        sms="{summoner} indkalder dig til krisestaben",
        call="{summoner} indkalder dig til krisestaben.",
        call_roles=_GIVEN,
        meeting=True,
        to_roles=False,
        outsider=True,
    ),
    PagePurpose.NOT_CRITICAL: _Words(
        title="card.notice.not_critical.title",
        ask=_NO_ANSWER,
        sms="din alarm er vurderet ikke kritisk af {assessor}",
        call="{assessor} har vurderet din alarm som ikke kritisk.",
        call_roles=_GIVEN,
        to_roles=False,
    ),
    PagePurpose.STAND_DOWN: _Words(
        title="card.notice.stand_down.title",
        ask=_NO_ANSWER,
        sms="krisen er afsluttet - {stand_down}",
        call="Krisen er afsluttet, og {stand_down}.",
        call_roles=_GIVEN,
        to_roles=False,
    ),
}
_TEAMS = "i chatten med Krisebot i Teams"
_LABELS = {
    "ack": "card.acknowledge", "inform": "card.triage.inform_director", "dismiss": "card.triage.not_critical",
    "activate": "card.director.activate", "inform_mgmt": "card.director.inform", "no_action": "card.director.no_action",
    "coming": "card.answer.coming", "not_coming": "card.answer.not_coming",
}


# --- card, feed, mail and SMS ------------------------------------------------------------------


def page_title(plan: Plan, state: CrisisState, purpose: PagePurpose, lang: Lang = "da") -> str:
    """The title of the card a page for ``purpose`` carries: also the feed's title and the mail's subject. A moved
    meeting's names the place it moved to."""
    return say(lang, _WORDS[purpose].title, place=place_text(plan, current_meeting_place(plan, state)))


def feed_preview(plan: Plan, state: CrisisState, purpose: PagePurpose, person: str, roles: Sequence[str]) -> str:
    """The activity's preview under its title (which says why): whom a deputy stands in for, and what happened,
    on one line."""
    parts = (stand_in(plan, purpose, person, roles), _one_line(state.description))
    return clip(" ".join(part for part in parts if part), FEED_PREVIEW_LIMIT)


def stand_in(plan: Plan, purpose: PagePurpose, person: str, roles: Sequence[str], lang: Lang = "da") -> str:
    """``Du kaldes som stedfortræder for Henrik Jebjerg Mogensen (ansvarlig for økonomi).`` when ``person`` is paged
    for ``purpose`` for ``roles`` someone else is the primary of; nothing when they hold every one of them first."""
    standing = _standing_in(plan, purpose, person, roles)
    if not standing:
        return ""
    whom = ", ".join(f"{person_name(plan, primary)} ({role_names(plan, held, in_sentence=True)})" for primary, held in standing.items())
    return say(lang, "card.stand_in", whom=whom)


def _standing_in(plan: Plan, purpose: PagePurpose, person: str, roles: Sequence[str]) -> dict[str, list[str]]:
    """The primaries ``person`` stands in for on a page for ``purpose``, each with the roles of ``roles`` they hold
    first."""
    standing: dict[str, list[str]] = {}
    for role_id in roles if _WORDS[purpose].to_roles else ():
        role = plan.role_by_id.get(role_id)
        if role is not None and role.primary != person:
            standing.setdefault(role.primary, []).append(role_id)
    return standing


def mail_ask(purpose: PagePurpose) -> str:
    """The mail's line of what is asked of the person (plain text, to be escaped)."""
    labels = {name: say("da", key) for name, key in _LABELS.items()}
    return _WORDS[purpose].ask.format(teams=_TEAMS, **labels)


def roles_on_card(purpose: PagePurpose) -> bool:
    """The card of a page for ``purpose`` names the roles it is sent for."""
    return _WORDS[purpose].roles_on_card


def to_outsider(plan: Plan, purpose: PagePurpose, person: str) -> bool:
    """A page for ``purpose`` to ``person`` goes to someone outside the organisation (an external participant's
    summons, or its stand-down): no alarm text, no STATUS, no Teams."""
    return _WORDS[purpose].outsider or isinstance(plan.recipient(person), ExternalParticipant)


def sms_why(plan: Plan, state: CrisisState, purpose: PagePurpose, person: str, roles: Sequence[str]) -> str:
    """Why the SMS is sent, after ``Krise <id>:`` (``kritisk alarm - vurdér den som ansvarlig for IT``; to a deputy
    ``… som stedfortræder for Claus Vagn Ohrt (ansvarlig for IT)``)."""
    standing = _standing_in(plan, purpose, person, roles)
    own = [r for r in roles if not any(r in held for held in standing.values())]
    deputy = [f"stedfortræder for {person_name(plan, p)} ({role_names(plan, held, in_sentence=True)})" for p, held in standing.items()]
    parts = ([role_names(plan, own, in_sentence=True)] if own else []) + deputy
    as_roles = f" som {' og '.join(parts)}" if parts else ""
    return _WORDS[purpose].sms.format(
        as_roles=as_roles, summoner=_summoner(plan, state, person, spoken=False), **notice_values(plan, state)
    )


def _summoner(plan: Plan, state: CrisisState, external: str, *, spoken: bool) -> str:
    """Who had Krisebot summon ``external``, as someone outside the organisation reads it (``Jesper Thyrring Møller
    (Kommunaldirektør, Struer Kommune)``) or hears it (``…, Kommunaldirektør i Struer Kommune,``); the organisation
    when its latest record is not the summons."""
    contact = state.externals.get(external)
    person = plan.person_by_id.get(contact.actor) if contact and contact.summoned else None
    organisation = plan.organisation.name
    if person is None:
        return organisation
    return f"{person.name}, {person.title} i {organisation}," if spoken else f"{person.name} ({person.title}, {organisation})"


def notice_values(plan: Plan, state: CrisisState) -> dict[str, str]:
    """What the words of a page may name: ``{id}``; ``{name}``, the director who decided (else the director role's
    primary); ``{assessor}``, who assessed the alarm; ``{level}`` and ``{uncovered}``, the roles nobody answers for
    («en rolle» if none is), as they read inside a sentence; ``{stand_down}``, what a closed crisis means to those
    paged in it."""
    director = state.director.actor if state.director else plan.role_by_id[plan.alarm_chain.director_role].primary
    assessor = state.triage.actor if state.triage else plan.role_by_id[plan.alarm_chain.triage_role].primary
    summoned = bool(state.pages_for(PagePurpose.SUMMONS))
    return {
        "id": state.id,
        "name": person_name(plan, director),
        "assessor": person_name(plan, assessor),
        "level": level_name(plan, current_level(plan, state), in_sentence=True),
        "uncovered": role_names(plan, uncovered_roles(state), in_sentence=True) if state.uncovered else "en rolle",
        "stand_down": "I skal ikke møde op" if summoned else "du skal ikke gøre mere",
    }


def sms_meeting(plan: Plan, state: CrisisState, purpose: PagePurpose) -> str:
    """``Mød: Byrådssalen, Struer Rådhus kl. 14:45.`` for a page that says where to meet, else nothing."""
    if not _WORDS[purpose].meeting:
        return ""
    when = f" kl. {state.meeting_at.astimezone(LOCAL_TIME):%H:%M}" if state.meeting_at else ""
    return f"Mød: {place_text(plan, current_meeting_place(plan, state))}{when}."


# --- a call --------------------------------------------------------------------------------------

_KEY_SAYS = {
    Answer.ACKNOWLEDGE: "Tryk {digit} for at kvittere.",
    Answer.INFORM_DIRECTOR: "Tryk {digit} for at underrette kommunaldirektøren.",
    Answer.NOT_CRITICAL: "Tryk {digit}, hvis alarmen ikke er kritisk.",
    Answer.ACTIVATE: "Tryk {digit} for at aktivere kriseberedskabet.",
    Answer.RAISE_LEVEL: "Tryk {digit} for at hæve krisens niveau.",
    Answer.CLOSE: "Tryk {digit} for at afslutte krisen.",
    Answer.COMING: "Tryk {digit}, hvis du kommer.",
    Answer.NOT_COMING: "Tryk {digit}, hvis du ikke kommer.",
}
_REPEAT_SAYS = "Tryk {digit} for at høre beskeden igen."
_UNVERIFIED_SAYS = "Afsenderen er ubekræftet: alarmen kom pr. sms fra et nummer, der ikke er i planen."
_REGISTERED = {
    Answer.ACKNOWLEDGE: "kvitteret",
    Answer.INFORM_DIRECTOR: "kommunaldirektøren bliver underrettet",
    Answer.NOT_CRITICAL: "alarmen er ikke kritisk",
    Answer.ACTIVATE: "kriseberedskabet bliver aktiveret",
    Answer.RAISE_LEVEL: "krisens niveau bliver hævet",
    Answer.CLOSE: "krisen bliver afsluttet",
    Answer.COMING: "du kommer",
    Answer.NOT_COMING: "du kommer ikke",
}
_KEY_NAMES = {"*": "stjerne", "#": "firkant"}
_BYE = "Farvel."


def registered(answer: Answer) -> str:
    """What an answer did, as a call says it and an SMS confirms it: ``kvitteret``, ``du kommer``."""
    return _REGISTERED[answer]


def call_script(
    plan: Plan, state: CrisisState, purpose: PagePurpose, person: str, roles: Sequence[str], keys: Sequence[Key]
) -> list[str]:
    """What a call for ``purpose`` says to ``person`` when it is picked up, sentence by sentence: who calls, the
    crisis, why, what happened (and that the sender is unverified, when the plan does not name the number it was
    texted from), the person's ``roles`` and whom they stand in for, where and when to meet (if the page says so)
    and the ``keys`` offered (``bot.core.replies.keypad``)."""
    words = _WORDS[purpose]
    lines = [*_opening(plan, state), _why_called(plan, state, purpose, person)]
    if not to_outsider(plan, purpose, person):
        lines.append(f"Alarmen lyder: {sentence(_description(state))}")
        if state.unverified_sender:
            lines.append(_UNVERIFIED_SAYS)
    if roles:
        lines.append(words.call_roles.format(roles=_spoken_list([role_names(plan, [r], in_sentence=True) for r in roles])))
    if deputy := stand_in(plan, purpose, person, roles):
        lines.append(deputy)
    if words.meeting:
        lines += [f"Mødested: {_place(plan, state)}.", f"Mødetid: {_meeting_time(state)}."]
    return lines + key_words(keys)


def key_words(keys: Sequence[Key]) -> list[str]:
    """``Tryk 1 for at kvittere.`` for each key, in order."""
    return [(_KEY_SAYS[key.answer] if key.answer else _REPEAT_SAYS).format(digit=key.digit) for key in keys]


def key_logged(key: Key) -> str:
    """What the logbog says a key did: ``kvitteret pr. telefon (tast 1)``, ``kommer ikke pr. telefon (tast 2)``."""
    said = "kvitteret" if key.answer is Answer.ACKNOWLEDGE else key.label
    return f"{said} pr. telefon (tast {key.digit})"


def key_accepted(answer: Answer, more: Sequence[Key] = ()) -> list[str]:
    """After a key was accepted and recorded: ``Tak. Det er registreret: kvitteret. Farvel.``; with ``more`` keys
    still to press (the triage's decision after its acknowledgement), those instead of the goodbye."""
    return ["Tak.", f"Det er registreret: {registered(answer)}.", *(key_words(more) if more else [_BYE])]


def key_already_registered(answer: Answer) -> list[str]:
    """After a key whose answer the crisis already has: nothing new was recorded."""
    return [f"Det var allerede registreret: {registered(answer)}.", _BYE]


def key_refused(reason: str) -> list[str]:
    """After a key the crisis refused (``reason`` is ``bot.render.refusals.refusal_text``, plain Danish)."""
    return ["Det blev ikke registreret.", sentence(reason), _BYE]


def key_unusable(digit: str, keys: Sequence[Key]) -> list[str]:
    """A key the call does not offer, then the keys that can be used."""
    return [f"Tasten {_KEY_NAMES.get(digit, digit)} kan ikke bruges.", *key_words(keys)]


def coming_ask_arrival(*, already: bool) -> list[str]:
    """After «kommer» was pressed (``already``: the crisis had it): it is recorded; how many minutes until arrival?"""
    registered = (
        [f"Det var allerede registreret: {_REGISTERED[Answer.COMING]}."] if already
        else ["Tak.", f"Det er registreret: {_REGISTERED[Answer.COMING]}."]
    )
    return [
        *registered, "Hvor mange minutter går der, før du er fremme?", "Tast tallet, og afslut med firkant.",
        "Tast blot firkant, hvis du ikke ved det.",
    ]


def arrival_noted(eta: str, answered_at: datetime) -> list[str]:
    """After the minutes were typed: ``Tak. Du er noteret til at være fremme om cirka 20 minutter, klokken 14:35.``
    (the time counted from ``answered_at``); after '#' alone, that the person is noted as coming."""
    minutes = eta_minutes(eta) if eta else None
    if minutes is None:
        return ["Tak.", "Du er noteret til at komme.", _BYE]
    unit = "minut" if minutes == 1 else "minutter"
    at = (answered_at + timedelta(minutes=minutes)).astimezone(LOCAL_TIME)
    return ["Tak.", f"Du er noteret til at være fremme om cirka {minutes} {unit}, klokken {at:%H:%M}.", _BYE]


def arrival_unusable(typed: str) -> list[str]:
    """Minutes that could not be used (``typed``; empty when none came in time): the person stays noted as coming."""
    said = "Der blev ikke tastet nogen minutter." if not typed else (
        f"Det er ikke et antal minutter mellem 1 og {KEYED_MINUTES}."
    )
    return [said, "Du er noteret til at komme, men uden et tidspunkt.", _BYE]


def arrival_logged(eta: str) -> str:
    """What the logbog says the minutes typed did: ``ankomst om 20 min pr. telefon``, or for '#' alone that no
    arrival was given."""
    return f"ankomst om {eta} pr. telefon" if eta else "kommer, uden ankomsttid"


def arrival_unusable_logged() -> str:
    """What the logbog says about minutes that could not be used."""
    return f"ikke et antal minutter mellem 1 og {KEYED_MINUTES}; intet ændret"


def no_key(plan: Plan, purpose: PagePurpose, person: str) -> list[str]:
    """No key was pressed, not even after the message was played again; the page goes on by other means (someone
    outside the organisation has its SMS already)."""
    goes_on = "Svar på sms'en fra Krisebot." if to_outsider(plan, purpose, person) else "Krisebot prøver igen på anden måde."
    return ["Der blev ikke trykket på nogen tast.", goes_on, _BYE]


def crisis_closed(plan: Plan, state: CrisisState) -> list[str]:
    """The crisis is over: there is nothing to answer (and nobody summoned is to come). Also a stand-down's call."""
    done = "Du skal ikke møde op." if state.pages_for(PagePurpose.SUMMONS) else "Du behøver ikke at gøre mere."
    return [_greeting(plan), f"Krise {spoken_id(state.id)} er afsluttet.", done, _BYE]


def voicemail(plan: Plan, state: CrisisState, purpose: PagePurpose, person: str, *, sms: bool) -> list[str]:
    """The message left on ``person``'s voicemail or answering machine: who called and why, that nothing was
    acknowledged, and where to answer (the SMS only when the person gets one; Teams only inside the organisation);
    once the crisis is over, that it is."""
    if not state.phase.open:
        return crisis_closed(plan, state)
    if to_outsider(plan, purpose, person):
        answer = "Svar på sms'en fra Krisebot."
    else:
        answer = "Svar på sms'en fra Krisebot, eller svar i Teams." if sms else "Svar i Teams."
    return [*_opening(plan, state), _why_called(plan, state, purpose, person), "Beskeden er ikke kvitteret.", answer, _BYE]


def spoken_id(crisis_id: str) -> str:
    """A crisis id as a voice reads it well: ``K-2026-001`` → ``K, 2026, 0 0 1`` (a year whole, other digits one by
    one, letters spelled)."""
    groups = [g for g in re.split(r"[^0-9A-Za-zÆØÅæøå]+", crisis_id) if g]
    return ", ".join(g if g.isdigit() and len(g) == 4 else " ".join(g) for g in groups)


def _greeting(plan: Plan) -> str:
    return f"Dette er Krisebot for {plan.organisation.name}."


def _opening(plan: Plan, state: CrisisState) -> list[str]:
    return [_greeting(plan), f"Det gælder krise {spoken_id(state.id)}."]


def _why_called(plan: Plan, state: CrisisState, purpose: PagePurpose, person: str) -> str:
    return _WORDS[purpose].call.format(summoner=_summoner(plan, state, person, spoken=True), **notice_values(plan, state))


def _description(state: CrisisState) -> str:
    return clip(_one_line(state.description), CALL_DESCRIPTION_LIMIT)


def _place(plan: Plan, state: CrisisState) -> str:
    place_id = current_meeting_place(plan, state)
    place = plan.place_by_id.get(place_id)
    where = place_text(plan, place_id)
    return f"{where}, det alternative mødested" if place and place.kind == MeetingPlaceKind.ALTERNATIVE else where


def _meeting_time(state: CrisisState) -> str:
    """``klokken 14:45``, or ``hurtigst muligt`` without a meeting time."""
    return f"klokken {state.meeting_at.astimezone(LOCAL_TIME):%H:%M}" if state.meeting_at else "hurtigst muligt"


def _spoken_list(items: Sequence[str]) -> str:
    """``a``, ``a og b``, ``a, b og c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} og {items[-1]}"


def sentence(text: str) -> str:
    """``text`` ending as a sentence: a full stop added unless it already ends in one (or ``!``, ``?``, ``…``)."""
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _one_line(text: str) -> str:
    return " ".join(text.split())
