"""``POST /api/messages``: validate, authenticate, and hand the activity to the bot.

Written by hand instead of ``CloudAdapter.process``, which answers 500 to every Universal
Action invoke (it serialises the invoke body twice). Every refusal is a 4xx with a reason,
logged at warning level without the token or the message text, and nothing is written: a body
that is too large (413), an activity of the wrong shape (400, naming the field), a type or invoke
Krisebot does not know (400), a missing or refused token (401: the ``TokenScreen`` before the
body is read, botbuilder's checks after it is parsed), another tenant than the bot's (``BOT_TENANT_ID``,
else the plan's ``organisation.tenant_id``) (403). A turn that fails is answered by the adapter's turn
error handler, so the Connector gets the turn's answer, never a 500.
"""

from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter
from pydantic import ValidationError

from ..engine.foreground import Foreground
from ..http_errors import read_limited, refuse
from ..validation import danish, field_path
from .adapter import BotAuthentication
from .inbound import ACTIVITY_TYPES, INVOKE_NAMES, MAX_BODY, InboundActivity, UnreadableField, botbuilder_activity
from .token_screen import TokenRefused


@dataclass(frozen=True)
class TeamsEndpoint:
    """What the messages route needs: authentication, the adapter, the bot, the tenant rule, and
    the foreground count that lets background work wait until people are answered."""

    auth: BotAuthentication
    adapter: CloudAdapter
    bot: ActivityHandler
    auth_enabled: bool
    tenant_id: str
    foreground: Foreground

    async def handle(self, request: web.Request) -> web.Response:
        with self.foreground.serving():
            return await self._handle(request)

    async def _handle(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        if self.auth_enabled and not header:
            return refuse(request, 401, "mangler Authorization-header")
        try:
            await self.auth.screen(header)
        except TokenRefused as exc:
            return refuse(request, 401, f"token afvist: {exc.reason}")
        body = await read_limited(request, MAX_BODY)
        if body is None:
            return refuse(request, 413, f"aktiviteten er større end {MAX_BODY // 1024} KB")
        try:
            inbound = InboundActivity.model_validate_json(body)
        except ValidationError as exc:
            return refuse(request, 400, f"ugyldig aktivitet: {_first_problem(exc)}")
        if inbound.type not in ACTIVITY_TYPES:
            return refuse(request, 400, f"ukendt aktivitetstype {inbound.type[:40]!r}")
        if inbound.type == "invoke" and inbound.name not in INVOKE_NAMES:
            return refuse(request, 400, f"Krisebot svarer ikke på invoke {(inbound.name or '')[:40]!r}")
        try:
            activity = botbuilder_activity(body)
        except UnreadableField as exc:
            return refuse(request, 400, f"ugyldig aktivitet: {exc.field or 'aktiviteten'} har en ugyldig form")
        try:
            authenticated = await self.auth.authenticate_request(activity, header)
        except Exception as exc:  # botbuilder raises PermissionError, AttributeError, jwt errors…: all mean 401
            return refuse(request, 401, f"token afvist ({type(exc).__name__})")
        if self.tenant_id and inbound.tenant_id != self.tenant_id:
            return refuse(request, 403, "aktiviteten kommer fra en ukendt tenant")
        response = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if response is None:
            return web.Response(status=201)
        return web.json_response(response.body, status=response.status)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = field_path(error["loc"])
    return f"{where}: {danish(error)}" if where else danish(error)
