"""Why an action changed nothing, in words a user acts on: Danish, or English for English clients.

``refusal_text`` is plain text (a card escapes it); ``refusal_message`` is the same for a chat message.
"""

from ..clock import LOCAL_TIME
from ..core.lifecycle import Refusal, Refused
from ..core.permissions import who_may
from ..plan.models import Plan
from .plain import literal
from .texts import Lang

_TEXTS: dict[Lang, dict[Refusal, str]] = {
    "da": {
        Refusal.NOT_IN_PLAN: "Du står ikke i kriseplanen, så du kan ikke handle i krisen.",
        Refusal.NOT_PERMITTED: "Det må kun {who}.",
        Refusal.WRONG_PHASE: "Det kan ikke gøres nu: krisen er allerede gået videre.",
        Refusal.CLOSED: "Krisen er afsluttet; intet er ændret.",
        Refusal.NOT_PAGED: "Du er ikke blevet kaldt i denne krise, så der er intet at kvittere for.",
        Refusal.NOT_SUMMONED: "Du er ikke indkaldt i denne krise.",
        Refusal.MISSING_SOURCE: "Vælg hvor alarmen kommer fra.",
        Refusal.UNKNOWN_PLACE: "Ukendt mødested: {detail}.",
        Refusal.UNKNOWN_LEVEL: "Ukendt niveau: {detail}.",
        Refusal.UNKNOWN_MEMBER: "Vælg hvem i ledelsen der skal underrettes ({detail}).",
        Refusal.MISSING_TEXT: "Skriv en tekst først.",
        Refusal.TOO_LONG: "Teksten er for lang; skriv højst 4000 tegn.",
        Refusal.UNKNOWN_PERSON: "Ukendt person; vælg en af: {detail}.",
        Refusal.UNKNOWN_EXTERNAL: "Ukendt ekstern deltager; vælg en af: {detail}.",
        Refusal.PERSON_NOT_PAGED: "{detail} er ikke blevet kaldt i denne krise, så der er intet at kvittere for.",
        Refusal.PERSON_NOT_SUMMONED: "{detail} er ikke indkaldt i denne krise.",
        Refusal.NOT_SUMMONABLE: (
            "Krisebot kan ikke indkalde {detail}: kriseplanen giver ikke deltageren et mobilnummer og lov til det "
            "(summon = true). Ring selv, og registrér deltageren som tilkaldt."
        ),
        Refusal.ALREADY_ARRIVED: "{detail} er allerede registreret ankommet kl. {time}; intet er ændret.",
    },
    "en": {
        Refusal.NOT_IN_PLAN: "You are not in the crisis plan, so you cannot act in the crisis.",
        Refusal.NOT_PERMITTED: "Only {who} may do that.",
        Refusal.WRONG_PHASE: "That cannot be done now: the crisis has already moved on.",
        Refusal.CLOSED: "The crisis is closed; nothing was changed.",
        Refusal.NOT_PAGED: "You were not paged in this crisis, so there is nothing to acknowledge.",
        Refusal.NOT_SUMMONED: "You are not summoned in this crisis.",
        Refusal.MISSING_SOURCE: "Choose where the alarm comes from.",
        Refusal.UNKNOWN_PLACE: "Unknown meeting place: {detail}.",
        Refusal.UNKNOWN_LEVEL: "Unknown level: {detail}.",
        Refusal.UNKNOWN_MEMBER: "Choose whom in management to inform ({detail}).",
        Refusal.MISSING_TEXT: "Write a text first.",
        Refusal.TOO_LONG: "The text is too long; write at most 4000 characters.",
        Refusal.UNKNOWN_PERSON: "Unknown person; choose one of: {detail}.",
        Refusal.UNKNOWN_EXTERNAL: "Unknown external participant; choose one of: {detail}.",
        Refusal.PERSON_NOT_PAGED: "{detail} was not paged in this crisis, so there is nothing to acknowledge.",
        Refusal.PERSON_NOT_SUMMONED: "{detail} is not summoned in this crisis.",
        Refusal.NOT_SUMMONABLE: (
            "Krisebot cannot summon {detail}: the crisis plan does not give the participant a mobile number and "
            "permission (summon = true). Call yourself, and record the participant as called in."
        ),
        Refusal.ALREADY_ARRIVED: "{detail} is already recorded as arrived at {time}; nothing was changed.",
    },
}


def refusal_text(plan: Plan, refused: Refused, lang: Lang) -> str:
    """The sentence for ``refused``; a permission refusal names the roles and people who may, a refusal with ``at``
    says when (Danish time)."""
    who = who_may(plan, refused.permission) if refused.permission else ""
    time = f"{refused.at.astimezone(LOCAL_TIME):%H:%M}" if refused.at else ""
    return _TEXTS[lang][refused.reason].format(who=who, detail=refused.detail, time=time)


def refusal_message(plan: Plan, refused: Refused, lang: Lang) -> str:
    """The sentence as a chat message, which Teams reads as Markdown: escaped, so an id a tap or a
    command carried shows as written."""
    return literal(refusal_text(plan, refused, lang))
