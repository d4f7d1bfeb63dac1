"""A fake Microsoft Graph v1.0: the calls Krisebot makes, as a real aiohttp server.

``FakeGraph`` listens on 127.0.0.1 (a free port); ``url`` (``http://127.0.0.1:PORT/v1.0``) is
what ``KRISEBOT_GRAPH_BASE_URL`` points at. It answers, with Graph's paths, status codes and
JSON shapes:

- ``GET /users/{id | userPrincipalName}``: the user added with ``add_user``; ``$select`` keeps
  only the named properties (case-insensitively).
- ``POST /users/{id | upn}/teamwork/sendActivityNotification``: 204; 403 ``Forbidden`` when the
  user has no app installed.
- ``POST /users/{sender}/sendMail``: 202, no body.
- ``POST /users/{id}/teamwork/installedApps`` (``teamsApp@odata.bind``): 201, no body; 409
  ``Conflict`` when that app is already installed, 404 when it is not in the catalog.
- ``GET /users/{id}/teamwork/installedApps`` (``$filter=teamsApp/id eq '…'``, ``$expand=teamsApp``)
  and ``GET …/installedApps/{installationId}/chat``: the installations and the 1:1 chat.
- ``GET /appCatalogs/teamsApps`` (``$filter=<externalId | id | distributionMethod> eq '…'``): the apps
  published with ``add_teams_app``; any other filter gets 400 ``BadRequest``.
- ``GET /users/{id | upn}/mailFolders/inbox/messages/delta()``: the mail added with ``add_mail``,
  ``mail_page_size`` messages a page; ``@odata.nextLink`` to the next page of a round and, on the
  last page, an ``@odata.deltaLink`` from which the next round lists only mail added since. The
  first request may carry ``$filter=receivedDateTime ge <time>``; the links are opaque
  ``$skiptoken`` / ``$deltatoken`` URLs on the fake.

An unknown user gets 404 ``Request_ResourceNotFound``; a request without ``Authorization:
Bearer <token>`` (the fake's ``token``) gets 401 ``InvalidAuthenticationToken``. Request
bodies are deserialised with msgraph-sdk's own models through kiota's JSON parse node,
property names matched case-insensitively (the SDK sends ``"Message"`` for sendMail); a
body that does not parse or lacks what Graph requires gets 400 ``BadRequest``.

``answer_next``/``fail_next`` make the next requests answer with a chosen status (and
``Retry-After``, and a raw body); ``delay`` makes every answer wait. Every request, injected
answers included, is kept in ``requests`` with the model its body parsed to.
"""

import asyncio
import base64
import itertools
import json
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from azure.core.credentials import AccessToken
from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.teamwork_activity_topic_source import TeamworkActivityTopicSource
from msgraph.generated.models.user_scope_teams_app_installation import UserScopeTeamsAppInstallation
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody
from msgraph.generated.users.item.teamwork.send_activity_notification.send_activity_notification_post_request_body import (
    SendActivityNotificationPostRequestBody,
)

from tests.fakes.server import FakeServer

TOKEN = "fake-graph-token"
RETRY_WAIT_SCALE = 0.0
"""What tests pass as ``open_graph``'s ``retry_wait_scale``: the SDK retries as in production (the same
requests, on the same waits decided) without sleeping the waits."""
Json = dict[str, Any]


class FakeCredential:
    """An async azure-identity style credential whose token the fake accepts; records each call's scopes."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    async def get_token(
        self, *scopes: str, claims: str | None = None, enable_cae: bool = False, **kwargs: Any
    ) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        pass


@dataclass(frozen=True)
class RecordedRequest:
    """One request. ``operation`` names the route (``get_user``, ``send_activity_notification``,
    ``send_mail``, ``install_app``, ``list_installed_apps``, ``get_installation_chat``,
    ``list_catalog_apps``; ``""`` for
    unknown paths); ``user`` is the ``{id | upn}`` path segment; ``model`` the body as an SDK model."""

    method: str
    path: str
    operation: str
    status: int
    user: str | None
    query: dict[str, str]
    body: Any
    model: Parsable | None
    headers: dict[str, str]


@dataclass
class _Answer:
    status: int
    retry_after: int | None
    body: str | None
    content_type: str


class _AnyCaseNode(JsonParseNode):
    """Kiota's JSON parse node matching property names case-insensitively, as Graph does."""

    def get_object_value(self, factory: Any) -> Any:
        if isinstance(self._json_node, dict):
            names = {name.lower(): name for name in factory.create_from_discriminator_value(self).get_field_deserializers()}
            self._json_node = {names.get(key.lower(), key): value for key, value in self._json_node.items()}
        return super().get_object_value(factory)

    def _create_new_node(self, node: Any) -> JsonParseNode:
        return _AnyCaseNode(node)


class _BadRequest(Exception):
    pass


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """Graph's error body."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


class FakeGraph(FakeServer):
    """Microsoft Graph for one test."""

    PATH = "/v1.0"

    def __init__(self, *, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.delay = 0.0
        self.requests: list[RecordedRequest] = []
        self._users: dict[str, Json] = {}
        self._catalog: dict[str, Json] = {}
        self._installations: dict[str, dict[str, Json]] = {}
        self._answers: deque[_Answer] = deque()
        self._ids = itertools.count(1)
        self._mail: dict[str, list[Json]] = {}
        self.mail_page_size = 2

    def routes(self, app: web.Application) -> None:
        user = "/v1.0/users/{user}"
        app.router.add_get(user, self._get_user, name="get_user")
        app.router.add_post(f"{user}/teamwork/sendActivityNotification", self._notify, name="send_activity_notification")
        app.router.add_post(f"{user}/sendMail", self._send_mail, name="send_mail")
        app.router.add_post(f"{user}/teamwork/installedApps", self._install, name="install_app")
        app.router.add_get(f"{user}/teamwork/installedApps", self._installed, name="list_installed_apps")
        app.router.add_get(
            f"{user}/teamwork/installedApps/{{installation}}/chat", self._chat, name="get_installation_chat"
        )
        app.router.add_get(f"{user}/mailFolders/{{folder}}/messages/delta()", self._mail_delta, name="mail_delta")
        app.router.add_get("/v1.0/appCatalogs/teamsApps", self._catalog_apps, name="list_catalog_apps")

    # -- test set-up -------------------------------------------------------------------------

    def add_user(
        self, id: str, upn: str, display_name: str, mobile_phone: str | None = None,
        business_phones: tuple[str, ...] | list[str] = (), *, apps: tuple[str, ...] = (),
    ) -> Json:
        """Add an Entra user (with ``apps``, catalog ids, installed); returns the user JSON the fake serves."""
        user = {
            "id": id, "displayName": display_name, "userPrincipalName": upn, "mail": upn,
            "mobilePhone": mobile_phone, "businessPhones": list(business_phones),
        }
        self._users[id] = user
        for app in apps:
            self.add_teams_app(app)
            self._install_for(id, app)
        return user

    def add_teams_app(self, catalog_id: str, display_name: str = "Krisebot", *, external_id: str | None = None) -> None:
        """Publish a Teams app in the org catalog; ``external_id`` is its manifest's id (random if not given)."""
        self._catalog.setdefault(
            catalog_id,
            {"id": catalog_id, "externalId": external_id or str(uuid.uuid4()), "displayName": display_name,
             "distributionMethod": "organization"},
        )

    def add_mail(self, user: str, *, sender: str, subject: str, received: str, name: str = "") -> Json:
        """Deliver a mail to ``user``'s inbox (``received`` is ISO 8601 UTC); returns the message JSON served."""
        number = next(self._ids)
        message = {
            "@odata.etag": f'W/"{number}"', "id": f"AAMkAD-{number}", "subject": subject,
            "receivedDateTime": received, "bodyPreview": subject,
            "from": {"emailAddress": {"name": name or sender, "address": sender}},
            "webLink": f"https://outlook.office365.com/owa/?ItemID=AAMkAD-{number}&exvsurl=1&viewmodel=ReadMessageItem",
        }
        self._mail.setdefault(user.lower(), []).append(message)
        return message

    def answer_next(
        self, status: int, *, count: int = 1, retry_after: int | None = None, body: str | None = None,
        content_type: str = "application/json",
    ) -> None:
        """Answer the next ``count`` requests with ``status``, ``Retry-After`` and ``body`` (raw) if given."""
        self._answers.extend([_Answer(status, retry_after, body, content_type)] * count)

    def fail_next(self, status: int, count: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``count`` requests with ``status`` and a Graph error body."""
        self.answer_next(status, count=count, retry_after=retry_after)

    # -- reading what happened ---------------------------------------------------------------

    def calls(self, operation: str) -> list[RecordedRequest]:
        """Every request for ``operation`` (injected failures included), in order."""
        return [r for r in self.requests if r.operation == operation]

    def notifications(self) -> list[RecordedRequest]:
        """Activity notifications accepted (204); ``model`` is a ``SendActivityNotificationPostRequestBody``."""
        return [r for r in self.calls("send_activity_notification") if r.status == 204]

    def mails(self) -> list[RecordedRequest]:
        """Mails accepted (202); ``user`` is the sender, ``model`` a ``SendMailPostRequestBody``."""
        return [r for r in self.calls("send_mail") if r.status == 202]

    def installed(self, user_id: str) -> list[str]:
        """Catalog ids of the apps installed for the user."""
        return [i["teamsApp"]["id"] for i in self._installations.get(user_id, {}).values()]

    # -- HTTP --------------------------------------------------------------------------------

    @web.middleware
    async def _gate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._answers:
            answer = self._answers.popleft()
            self._record(request, answer.status, await request.text())
            headers = {"Retry-After": str(answer.retry_after)} if answer.retry_after is not None else None
            if answer.body is None:
                return _error(answer.status, "InjectedFailure", f"FakeGraph: HTTP {answer.status}", headers)
            return web.Response(status=answer.status, text=answer.body, content_type=answer.content_type, headers=headers)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self._record(request, 401, await request.text())
            return _error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        return await handler(request)

    def _record(self, request: web.Request, status: int, raw: str, model: Parsable | None = None) -> None:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        route = request.match_info.route
        self.requests.append(
            RecordedRequest(
                method=request.method, path=request.path, operation=route.name or "", status=status,
                user=request.match_info.get("user"), query=dict(request.query), body=body, model=model,
                headers=dict(request.headers),
            )
        )

    def _find_user(self, key: str) -> Json | None:
        wanted = key.lower()
        return self._users.get(key) or next(
            (u for u in self._users.values() if u["userPrincipalName"].lower() == wanted), None
        )

    def _user_or_404(self, request: web.Request, raw: str, model: Parsable | None = None) -> Json:
        user = self._find_user(request.match_info["user"])
        if user is None:
            self._record(request, 404, raw, model)
            raise web.HTTPNotFound(
                text=json.dumps({"error": {"code": "Request_ResourceNotFound", "message": (
                    f"Resource '{request.match_info['user']}' does not exist or one of its queried reference-property "
                    "objects are not present."
                )}}),
                content_type="application/json",
            )
        return user

    async def _parse(self, request: web.Request, model: type[Parsable], check: Callable[[Any], None]) -> tuple[str, Any]:
        """The body as ``model``, checked; records and answers 400 when it does not parse or check."""
        raw = await request.text()
        try:
            parsed = _AnyCaseNode(json.loads(raw)).get_object_value(model)
            check(parsed)
        except (ValueError, TypeError, AttributeError, _BadRequest) as exc:
            self._record(request, 400, raw)
            raise web.HTTPBadRequest(
                text=json.dumps({"error": {"code": "BadRequest", "message": f"Invalid request body: {exc}"}}),
                content_type="application/json",
            ) from None
        return raw, parsed

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self._user_or_404(request, "")
        selected = request.query.get("$select")
        if selected:
            wanted = {name.strip().lower() for name in selected.split(",")}
            user = {key: value for key, value in user.items() if key.lower() in wanted}
        self._record(request, 200, "")
        return web.json_response({"@odata.context": f"{self.url}/$metadata#users/$entity", **user})

    async def _notify(self, request: web.Request) -> web.Response:
        raw, body = await self._parse(request, SendActivityNotificationPostRequestBody, _check_notification)
        user = self._user_or_404(request, raw, body)
        if not self._installations.get(user["id"]):
            self._record(request, 403, raw, body)
            return _error(403, "Forbidden", "The Teams app is not installed for the recipient.")
        self._record(request, 204, raw, body)
        return web.Response(status=204)

    async def _send_mail(self, request: web.Request) -> web.Response:
        raw, body = await self._parse(request, SendMailPostRequestBody, _check_mail)
        self._user_or_404(request, raw, body)
        self._record(request, 202, raw, body)
        return web.Response(status=202)

    async def _install(self, request: web.Request) -> web.Response:
        raw, body = await self._parse(request, UserScopeTeamsAppInstallation, _check_binding)
        user = self._user_or_404(request, raw, body)
        catalog_id = _binding(body).rsplit("/teamsApps/", 1)[-1]
        if catalog_id not in self._catalog:
            self._record(request, 404, raw, body)
            return _error(404, "NotFound", f"Teams app '{catalog_id}' is not in the app catalog.")
        if catalog_id in self.installed(user["id"]):
            self._record(request, 409, raw, body)
            return _error(409, "Conflict", "The app is already installed for the user.")
        self._install_for(user["id"], catalog_id)
        self._record(request, 201, raw, body)
        return web.Response(status=201)

    async def _installed(self, request: web.Request) -> web.Response:
        user = self._user_or_404(request, "")
        installations = list(self._installations.get(user["id"], {}).values())
        wanted = re.fullmatch(r"\s*teamsApp/id eq '(.*)'\s*", request.query.get("$filter", ""))
        if wanted:
            installations = [i for i in installations if i["teamsApp"]["id"] == wanted.group(1).replace("''", "'")]
        expand = "teamsapp" in request.query.get("$expand", "").lower()
        value = [
            {"@odata.type": "#microsoft.graph.userScopeTeamsAppInstallation", "id": i["id"]}
            | ({"teamsApp": i["teamsApp"]} if expand else {})
            for i in installations
        ]
        self._record(request, 200, "")
        return web.json_response({"@odata.context": f"{self.url}/$metadata#users('{user['id']}')/teamwork/installedApps", "value": value})

    async def _chat(self, request: web.Request) -> web.Response:
        user = self._user_or_404(request, "")
        installation = self._installations.get(user["id"], {}).get(request.match_info["installation"])
        if installation is None:
            self._record(request, 404, "")
            return _error(404, "NotFound", "The installation does not exist.")
        self._record(request, 200, "")
        return web.json_response({"id": installation["chatId"], "chatType": "oneOnOne", "topic": None})

    async def _mail_delta(self, request: web.Request) -> web.Response:
        """One page of a delta round over the inbox, by position in the order mail arrived."""
        self._user_or_404(request, "")
        inbox = self._mail.get(request.match_info["user"].lower(), [])
        query = request.query
        token = query.get("$skiptoken") or query.get("$deltatoken")
        if token:
            position = json.loads(base64.urlsafe_b64decode(token))
        else:
            since = re.fullmatch(r"\s*receivedDateTime ge (\S+)\s*", query.get("$filter", ""))
            position = {"from": 0, "until": None, "since": since.group(1) if since else ""}
        until = len(inbox) if position["until"] is None else position["until"]
        page, index = [], position["from"]
        while index < until and len(page) < self.mail_page_size:
            message = inbox[index]
            if message["receivedDateTime"] >= position["since"]:
                page.append(message)
            index += 1
        link = f"{self.url}/users/{request.match_info['user']}/mailFolders/{request.match_info['folder']}/messages/delta()"
        if index < until:
            more = {"@odata.nextLink": f"{link}?$skiptoken={_token(index, until, position['since'])}"}
        else:
            more = {"@odata.deltaLink": f"{link}?$deltatoken={_token(until, None, '')}"}
        self._record(request, 200, "")
        return web.json_response({"@odata.context": f"{self.url}/$metadata#Collection(message)", "value": page, **more})

    async def _catalog_apps(self, request: web.Request) -> web.Response:
        apps = list(self._catalog.values())
        condition = request.query.get("$filter")
        if condition is not None:
            wanted = re.fullmatch(r"\s*(externalId|id|distributionMethod) eq '(.*)'\s*", condition)
            if wanted is None:
                self._record(request, 400, "")
                return _error(400, "BadRequest", f"Unsupported filter: {condition}")
            field, value = wanted.group(1), wanted.group(2).replace("''", "'")
            apps = [a for a in apps if a[field] == value]
        self._record(request, 200, "")
        return web.json_response({"@odata.context": f"{self.url}/$metadata#appCatalogs/teamsApps", "value": apps})

    def _install_for(self, user_id: str, catalog_id: str) -> None:
        number = next(self._ids)
        installation_id = f"installation-{number}"
        self._installations.setdefault(user_id, {})[installation_id] = {
            "id": installation_id, "teamsApp": self._catalog[catalog_id], "chatId": f"19:{user_id}_{number}@unq.gbl.spaces",
        }


def _token(start: int, until: int | None, since: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"from": start, "until": until, "since": since}).encode()).decode()


def _require(condition: object, what: str) -> None:
    if not condition:
        raise _BadRequest(what)


def _check_notification(body: SendActivityNotificationPostRequestBody) -> None:
    topic = body.topic
    _require(topic and topic.source and topic.value, "topic with source and value is required")
    _require(topic.source is not TeamworkActivityTopicSource.Text or topic.web_url, "topic.webUrl is required for text")
    _require(body.activity_type, "activityType is required")
    _require(isinstance(body.preview_text, ItemBody) and body.preview_text.content, "previewText is required")
    _require(all(p.name for p in body.template_parameters or []), "templateParameters need names")


def _check_mail(body: SendMailPostRequestBody) -> None:
    message = body.message
    _require(message and message.subject, "Message.subject is required")
    _require(message.body and message.body.content, "Message.body is required")
    recipients = message.to_recipients or []
    _require(recipients and all(r.email_address and r.email_address.address for r in recipients), "toRecipients")


def _binding(body: UserScopeTeamsAppInstallation) -> str:
    return next((str(v) for k, v in body.additional_data.items() if k.lower() == "teamsapp@odata.bind"), "")


def _check_binding(body: UserScopeTeamsAppInstallation) -> None:
    _require("/appCatalogs/teamsApps/" in _binding(body), "teamsApp@odata.bind to appCatalogs/teamsApps/{id}")
