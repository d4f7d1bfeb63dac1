"""Adaptive Cards from the templates in ``cards/``: pure functions from plan data to card JSON.

Each ``*_card`` function builds the template's data and expands it. Templates are read once
per process, and a card is expanded once for the same data (a summons to a hundred people
is mostly the same card): the cards are shared, so no caller may change one.
"""

import json
from collections import OrderedDict
from functools import cache
from typing import Any

from ..core.text_commands import COMMANDS
from ..plan.models import Plan
from ..plan.phones import Phone
from ..resources import bundled
from .plain import Markup
from .template import expand
from .texts import Lang, say

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
KEPT = 512
"""How many of the cards expanded last are kept for reuse."""

_expanded: OrderedDict[str, dict[str, Any]] = OrderedDict()


@cache
def template(name: str) -> dict[str, Any]:
    """The parsed template ``cards/<name>.json``."""
    return json.loads((bundled("cards") / f"{name}.json").read_text(encoding="utf-8"))


def render(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Expand template ``name`` with ``data`` (JSON values); the same data gives the same, shared card."""
    key = f"{name}:{json.dumps(data, ensure_ascii=False, separators=(',', ':'))}"
    card = _expanded.get(key)
    if card is None:
        card = _expanded[key] = expand(template(name), data)
        if len(_expanded) > KEPT:
            _expanded.popitem(last=False)
    else:
        _expanded.move_to_end(key)
    return card


def help_card(plan: Plan, lang: Lang) -> dict[str, Any]:
    """The command list, generated from the command registry."""
    return render(
        "help",
        {
            "title": say(lang, "help.title", plan=plan.organisation.title),
            "intro": say(lang, "help.intro"),
            "commands": [{"name": c.title(lang), "description": c.description[lang]} for c in COMMANDS],
        },
    )


def phone_text(phone: Phone, lang: Lang) -> Markup:
    """``[29 25 65 11](tel:+4529256511) (mobil)``: tappable on a phone."""
    return Markup("[{}](tel:{}) ({})").format(phone.display(), phone.number, say(lang, f"phone.{phone.kind.value}"))


def roles_card(plan: Plan, lang: Lang) -> dict[str, Any]:
    """Every role with its holders in paging order and how to reach them; meeting places; externals."""
    roles = []
    for role in plan.roles:
        holders = []
        for n, person_id in enumerate(role.chain):
            person = plan.person_by_id[person_id]
            contact: list[str] = [phone_text(phone, lang) for phone in person.phones]
            if person.mobile is None:
                contact.append(say(lang, "roles.no_sms"))
            holders.append(
                {
                    "label": say(lang, "roles.primary") if n == 0 else say(lang, "roles.deputy", n=n),
                    "name": person.name,
                    "title": person.title,
                    "contact": Markup(" · ").join([*contact, person.email]),
                }
            )
        roles.append({"name": role.name, "function": say(lang, "roles.function", function=role.function), "holders": holders})
    externals = [
        {
            "name": external.name,
            "contact": Markup(" · ").join(
                [phone_text(phone, lang) for phone in external.phones] + ([external.note] if external.note and not external.phones else [])
            ),
        }
        for external in plan.external_participants
    ]
    return render(
        "roles",
        {
            "title": say(lang, "roles.title", plan=plan.organisation.title),
            "roles": roles,
            "meetingTitle": say(lang, "roles.meeting"),
            "meetingPlaces": [{"name": place.name, "address": place.address} for place in plan.meeting_places],
            "externalTitle": say(lang, "roles.external"),
            "externals": externals,
        },
    )
