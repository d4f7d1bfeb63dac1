"""Bearer tokens of the alarm endpoints: any of the configured tokens (so one can be rotated), compared in constant time.

Any header text, even bytes that are not UTF-8, is compared as bytes: at worst it is a wrong token.
"""

import hmac

from aiohttp import web

from ..http_errors import refuse


def refused(request: web.Request, tokens: list[str]) -> web.Response | None:
    """The refusal of a request without a valid ``Authorization: Bearer`` token; None if it may pass.

    With no token configured every request is refused (503): alarms are never taken unauthenticated.
    """
    if not tokens:
        return refuse(request, 503, "KRISEBOT_ALARM_TOKEN er ikke sat: alarmer modtages ikke uden token")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return refuse(request, 401, "mangler Authorization: Bearer <token>")
    given = token.strip().encode(errors="surrogatepass")
    matches = [hmac.compare_digest(given, known.encode()) for known in tokens]  # every token, no early exit
    return None if any(matches) else refuse(request, 401, "ukendt token")
