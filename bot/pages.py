"""The public pages the Teams app links to (the manifest's ``developer`` URLs), in Danish.

``GET /`` says what Krisebot is and who runs it, ``GET /privatliv`` what it keeps about people
and where it goes, ``GET /vilkaar`` the terms of use. Each names the plan's organisation and
nothing else from the plan or the logbog: the pages are public. ``DEVELOPER_PAGES`` maps each
URL field of the manifest to its path; ``page_routes`` gives the routes.
"""

from collections.abc import Awaitable, Callable
from html import escape

from aiohttp import web

from .plan.models import Plan

WEBSITE, PRIVACY, TERMS = "/", "/privatliv", "/vilkaar"
DEVELOPER_PAGES = {"websiteUrl": WEBSITE, "privacyUrl": PRIVACY, "termsOfUseUrl": TERMS}
"""The manifest's ``developer`` URL fields and the path each one names."""

_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
_STYLE = "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"

_WEBSITE = """
<h1>Krisebot</h1>
<p>Krisebot er {org}s kriseplan i Microsoft Teams. Den modtager alarmer, kalder rolleindehaverne
og deres stedfortrædere i Teams, i aktivitetsfeedet, på mail og sms, indtil nogen kvitterer, og
fører logbogen og situationsbilledet for hver krise. Er Office 365 nede, kan en krise rejses,
kvitteres, eskaleres og afsluttes på sms alene.</p>
<p>Skriv <strong>hjælp</strong> i chatten med Krisebot i Teams for at se kommandoerne.</p>
<p>Krisebot drives af {org}. Spørgsmål stilles til kommunens IT-afdeling.</p>
"""

_PRIVACY = """
<h1>Privatliv i Krisebot</h1>
<p>{org} er dataansvarlig for de oplysninger, Krisebot behandler. Kommunen driver selv
Krisebot, og oplysningerne bruges kun til at håndtere kriser efter kommunens kriseplan.</p>
<h2>Det ved Krisebot om dig</h2>
<ul>
<li><strong>Kriseplanen</strong>: navn, e-mail, stilling, roller og telefonnumre på planens personer, som
kommunen selv har skrevet i planen.</li>
<li><strong>Logbogen</strong>: hver hændelse i en krise med tidspunkt og hvem, der gjorde det: alarmer,
beslutninger, logindførsler, kald og svar på kald, og hver sms ord for ord med
telefonnummer og leveringsstatus.</li>
<li><strong>Teams</strong>: de id'er, Teams giver dig og din chat med Krisebot, så den kan kalde dig,
og dit brugernavn (UPN) og Entra-id.</li>
</ul>
<p>Krisebot ser kun det, der skrives til den. Siderne her sætter ingen cookies.</p>
<h2>Hvor oplysningerne går hen</h2>
<p>Kald og svar går gennem Microsoft Teams og, hvor kommunen har slået det til, Microsoft 365
(mail og aktivitetsfeed). Sms går gennem kommunens sms-udbyder, som får telefonnummer og
tekst. I drift indeholder tjenestens driftslog ikke teksten i beskeder, kort eller sms.</p>
<h2>Hvor længe</h2>
<p>Logbogen kan kun tilføjes til: intet i den ændres eller slettes, fordi den er omfattet af
aktindsigt og arkivregler. Planens oplysninger ændres, når kommunen retter planen.</p>
<h2>Dine rettigheder</h2>
<p>Du kan bede {org} om indsigt i, hvad Krisebot har om dig, og om rettelse af planens
oplysninger. Kontakt kommunens databeskyttelsesrådgiver.</p>
"""

_TERMS = """
<h1>Vilkår for brug af Krisebot</h1>
<ul>
<li>Krisebot er {org}s interne værktøj til kriseplanen, for planens personer og de
medarbejdere, kommunen giver adgang.</li>
<li>Alt, der skrives til Krisebot i en krise, kommer i logbogen og kan indgå i aktindsigt.
Skriv sagligt, og skriv ikke flere personoplysninger end krisen kræver.</li>
<li>Krisebot er et hjælpemiddel til kriseplanen og erstatter ikke alarmcentralen:
er liv eller helbred i fare, så ring 112.</li>
<li>{org} driver Krisebot og retter planen; spørgsmål stilles til kommunens IT-afdeling.</li>
</ul>
"""


def page_routes(plan: Plan) -> list[web.RouteDef]:
    """``GET`` routes for the three pages, filled in with the plan's organisation."""
    org = escape(plan.organisation.name)
    pages = {
        WEBSITE: ("Krisebot", _WEBSITE),
        PRIVACY: ("Privatliv i Krisebot", _PRIVACY),
        TERMS: ("Vilkår for brug af Krisebot", _TERMS),
    }
    return [web.get(path, _handler(_html(title, body.format(org=org)))) for path, (title, body) in pages.items()]


def _html(title: str, body: str) -> str:
    links = f'<p><a href=".{WEBSITE}">Krisebot</a> · <a href=".{PRIVACY}">Privatliv</a> · <a href=".{TERMS}">Vilkår</a></p>'
    return (
        f'<!doctype html>\n<html lang="da"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body>{body}{links}</body></html>\n"
    )


def _handler(page: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html", headers=_HEADERS)

    return handle
