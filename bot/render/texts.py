"""Every sentence Krisebot says to a user, in Danish (the default) and English.

``say(lang, key, **values)`` formats one; a missing key or value is a bug and raises.
"""

from typing import Literal

Lang = Literal["da", "en"]

TEXTS: dict[str, dict[str, str]] = {
    "da": {
        "help.title": "Krisebot – {plan}",
        "help.intro": "Jeg kører kriseplanen i Teams. Skriv en af kommandoerne herunder.",
        "unknown": "Det forstod jeg ikke. Skriv **hjælp** for at se, hvad jeg kan.",
        "not_member": "Du står ikke i kriseplanen, så det kan jeg ikke vise dig. Kontakt {owner} ({owner_title}), der har den aktuelle liste.",
        "status.none": "Der er ingen aktiv krise.",
        "roles.title": "Kriseplanens roller – {plan}",
        "roles.primary": "Primær",
        "roles.deputy": "Stedfortræder {n}",
        "roles.function": "Varetages af: {function}",
        "roles.external": "Øvrige mulige deltagere i kriseledelsen",
        "roles.meeting": "Mødested",
        "roles.no_sms": "kan ikke modtage sms",
        "phone.mobile": "mobil",
        "phone.landline": "fastnet",
        "phone.short": "kortnummer",
        "error": "Der skete en fejl hos mig, og din besked blev ikke behandlet. Prøv igen, eller ring til {owner}.",
    },
    "en": {
        "help.title": "Krisebot – {plan}",
        "help.intro": "I run the crisis plan in Teams. Type one of the commands below.",
        "unknown": "I did not understand that. Type **help** to see what I can do.",
        "not_member": "You are not in the crisis plan, so I cannot show you that. Contact {owner} ({owner_title}), who keeps the current list.",
        "status.none": "There is no active crisis.",
        "roles.title": "Roles of the crisis plan – {plan}",
        "roles.primary": "Primary",
        "roles.deputy": "Deputy {n}",
        "roles.function": "Held by: {function}",
        "roles.external": "Other possible members of the crisis management",
        "roles.meeting": "Meeting place",
        "roles.no_sms": "cannot receive SMS",
        "phone.mobile": "mobile",
        "phone.landline": "landline",
        "phone.short": "short number",
        "error": "Something went wrong on my side and your message was not handled. Try again, or call {owner}.",
    },
}


def language(locale: str | None) -> Lang:
    """English for an English Teams client locale (``en-US``, ``en-GB`` …), Danish otherwise."""
    return "en" if (locale or "").lower().startswith("en") else "da"


def say(lang: Lang, key: str, **values: object) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    return TEXTS[lang][key].format(**values)
