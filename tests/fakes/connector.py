"""A fake Bot Framework Connector: the Teams channel's REST API as a real aiohttp server.

``FakeConnector`` listens on 127.0.0.1 (a free port) and answers the Bot Framework v3 REST
calls that botbuilder's own ``ConnectorClient`` and ``TeamsInfo`` make, with the same paths,
status codes and JSON shapes (camelCase):

- ``POST /v3/conversations/{conversationId}/activities``: send; 201 ``{"id": <new id>}``.
- ``POST /v3/conversations/{conversationId}/activities/{activityId}``: reply; as send.
- ``PUT /v3/conversations/{conversationId}/activities/{activityId}``: update; 200
  ``{"id": activityId}``, or 404 ``ActivityNotFoundInConversation`` when that activity was
  never posted in that conversation.
- ``POST /v3/conversations``: create a conversation; 201 ``{"id", "activityId", "serviceUrl"}``.
  Like Teams, a 1:1 chat with the same member keeps its id, and a channel post
  (``channelData.channel.id`` plus an activity) gets ``"<channel id>;messageid=<activity id>"``.
- ``GET /v3/conversations/{conversationId}/members[/{memberId}]`` and ``.../pagedmembers``:
  members registered with ``add_member`` (looked up by user id or AAD object id), else 404
  ``MemberNotFoundInConversation``.

With ``require_token=True`` a request without ``Authorization: Bearer <token>`` gets 401 like
the real service (the token itself is not checked). ``fail_next`` makes the next requests
fail with a chosen status before anything else happens, and records nothing for them.
``hold`` keeps chosen activities waiting for their answer (they are recorded at once) until
the test releases them, like a Teams that is slow to answer.

Every other request is kept in ``requests`` (a ``RecordedRequest`` each, failed ones with their
status); ``sent``, ``updates``, ``texts``, ``cards``, ``transcript`` and ``created`` read the
successful ones the way a Teams user would see them, and ``wait_for`` polls until a condition
holds.
"""

import asyncio
import itertools
import json
import re
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

_BEARER = re.compile(r"^Bearer\s+\S+", re.IGNORECASE)
_POSTED = frozenset({"send_to_conversation", "reply_to_activity", "create_conversation"})

Json = dict[str, Any]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake answered (other than injected failures).

    ``operation`` is the botbuilder ``ConversationsOperations`` method name the route belongs
    to (``send_to_conversation``, ``reply_to_activity``, ``update_activity``,
    ``create_conversation``, ``get_conversation_member``, ``get_conversation_members``,
    ``get_conversation_paged_members``). ``activity_id`` is the id the fake assigned (posts) or
    the addressed activity (updates); ``activity`` is the activity as stored, including that id;
    ``body`` is the parsed request JSON as sent.
    """

    method: str
    path: str
    operation: str
    status: int
    conversation_id: str | None
    activity_id: str | None
    activity: Json | None
    body: Any
    headers: dict[str, str]

    @property
    def authorization(self) -> str | None:
        return self.headers.get("Authorization")


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """A Bot Framework ``ErrorResponse`` body."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


class FakeConnector(FakeServer):
    """The Teams channel's Connector REST API for one test; ``url`` is the activities' ``serviceUrl``."""

    def __init__(self, *, require_token: bool = False) -> None:
        super().__init__()
        self.require_token = require_token
        self.requests: list[RecordedRequest] = []
        self._members: dict[str, Json] = {}
        self._activities: dict[str, dict[str, Json]] = {}
        self._personal_chats: dict[str, str] = {}
        self._failures: deque[tuple[int, int | None]] = deque()
        self._holds: list[tuple[Callable[[Json], bool], asyncio.Event]] = []
        self._ids = itertools.count(1_700_000_000_001)

    def routes(self, app: web.Application) -> None:
        conversation = "/v3/conversations/{conversationId}"
        app.router.add_post("/v3/conversations", self._create_conversation, name="create_conversation")
        app.router.add_post(f"{conversation}/activities", self._post_activity, name="send_to_conversation")
        app.router.add_post(
            f"{conversation}/activities/{{activityId}}", self._post_activity, name="reply_to_activity"
        )
        app.router.add_put(f"{conversation}/activities/{{activityId}}", self._update_activity, name="update_activity")
        app.router.add_get(f"{conversation}/members", self._get_members, name="get_conversation_members")
        app.router.add_get(
            f"{conversation}/pagedmembers", self._get_paged_members, name="get_conversation_paged_members"
        )
        app.router.add_get(f"{conversation}/members/{{memberId}}", self._get_member, name="get_conversation_member")

    # -- test set-up -------------------------------------------------------------------------

    def add_member(
        self,
        user_id: str,
        *,
        name: str,
        aad_object_id: str,
        user_principal_name: str,
        email: str,
        given_name: str | None = None,
        surname: str | None = None,
        tenant_id: str | None = None,
    ) -> Json:
        """Register a Teams user; returns the TeamsChannelAccount JSON the fake will serve."""
        account = {
            "id": user_id,
            "name": name,
            "aadObjectId": aad_object_id,
            "userPrincipalName": user_principal_name,
            "email": email,
            "givenName": given_name,
            "surname": surname,
            "tenantId": tenant_id,
            "userRole": "user",
        }
        self._members[user_id] = account
        return account

    def fail_next(self, status: int, *, count: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``count`` requests with ``status`` (and ``Retry-After`` if given)."""
        self._failures.extend([(status, retry_after)] * count)

    # -- reading what happened ---------------------------------------------------------------

    def hold(self, which: Callable[[Json], bool]) -> asyncio.Event:
        """Answer the activities posted from now on that ``which`` accepts only once the returned
        event is set; they are recorded (and seen by ``sent`` and ``wait_for``) at once."""
        release = asyncio.Event()
        self._holds.append((which, release))
        return release

    def sent(self, conversation_id: str | None = None) -> list[Json]:
        """Activities posted (send, reply, or with a new conversation), in order, with their ids."""
        return [r.activity for r in self._succeeded(_POSTED, conversation_id) if r.activity is not None]

    def updates(self, conversation_id: str | None = None) -> list[Json]:
        """Activities successfully updated, in order."""
        return [r.activity for r in self._succeeded({"update_activity"}, conversation_id) if r.activity is not None]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        """The non-empty ``text`` of the posted activities."""
        return [a["text"] for a in self.sent(conversation_id) if a.get("text")]

    def cards(self, conversation_id: str | None = None) -> list[Json]:
        """The ``content`` of every Adaptive Card attached to a posted activity."""
        return [
            attachment.get("content")
            for activity in self.sent(conversation_id)
            for attachment in activity.get("attachments") or []
            if attachment.get("contentType") == ADAPTIVE_CARD
        ]

    def transcript(self, conversation_id: str) -> list[Json]:
        """The conversation as a user sees it now: posted activities in order, updates applied."""
        return list(self._activities.get(conversation_id, {}).values())

    def created(self) -> list[Json]:
        """The ``ConversationParameters`` of every conversation created, in order."""
        return [r.body for r in self._succeeded({"create_conversation"}, None)]

    async def wait_for(
        self, predicate: Callable[[list[RecordedRequest]], bool], timeout: float = 5.0
    ) -> list[RecordedRequest]:
        """Poll until ``predicate(requests)`` is true; AssertionError listing the requests on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(list(self.requests)):
            if loop.time() >= deadline:
                raise AssertionError(
                    f"FakeConnector: condition not met within {timeout}s; requests so far:\n{self._describe()}"
                )
            await asyncio.sleep(0.01)
        return list(self.requests)

    def _succeeded(self, operations: Iterable[str], conversation_id: str | None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.operation in operations
            and r.status < 300
            and (conversation_id is None or r.conversation_id == conversation_id)
        ]

    def _describe(self) -> str:
        if not self.requests:
            return "  (none)"
        lines = []
        for r in self.requests:
            text = (r.activity or {}).get("text")
            lines.append(f"  {r.method} {r.path} -> {r.status}" + (f" text={text!r}" if text else ""))
        return "\n".join(lines)

    # -- HTTP --------------------------------------------------------------------------------

    @web.middleware
    async def _gate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if self._failures:
            status, retry_after = self._failures.popleft()
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            return _error(status, "InjectedFailure", f"FakeConnector.fail_next: HTTP {status}", headers)
        if self.require_token and not _BEARER.match(request.headers.get("Authorization", "")):
            self._record(request, 401)
            return web.json_response({"message": "Authorization has been denied for this request."}, status=401)
        return await handler(request)

    def _record(
        self,
        request: web.Request,
        status: int,
        *,
        conversation_id: str | None = None,
        activity_id: str | None = None,
        activity: Json | None = None,
        body: Any = None,
    ) -> None:
        route = request.match_info.route
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                operation=route.name or "",
                status=status,
                conversation_id=conversation_id or request.match_info.get("conversationId"),
                activity_id=activity_id,
                activity=activity,
                body=body,
                headers=dict(request.headers),
            )
        )

    async def _json_object(self, request: web.Request) -> Json:
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._record(request, 400)
            raise web.HTTPBadRequest(
                text=json.dumps({"error": {"code": "BadSyntax", "message": "Request body is not a JSON object."}}),
                content_type="application/json",
            )
        return body

    def _store(self, conversation_id: str, activity_id: str, body: Json) -> Json:
        activity = {**body, "id": activity_id}
        self._activities.setdefault(conversation_id, {})[activity_id] = activity
        return activity

    async def _post_activity(self, request: web.Request) -> web.Response:
        body = await self._json_object(request)
        activity = self._store(request.match_info["conversationId"], str(next(self._ids)), body)
        self._record(request, 201, activity_id=activity["id"], activity=activity, body=body)
        for which, release in self._holds:
            if which(activity):
                await release.wait()
        return web.json_response({"id": activity["id"]}, status=201)

    async def _update_activity(self, request: web.Request) -> web.Response:
        body = await self._json_object(request)
        conversation_id, activity_id = request.match_info["conversationId"], request.match_info["activityId"]
        activities = self._activities.get(conversation_id, {})
        if activity_id not in activities:
            self._record(request, 404, activity_id=activity_id, body=body)
            return _error(404, "ActivityNotFoundInConversation", "The activity was not found in the conversation.")
        activity = self._store(conversation_id, activity_id, body)
        self._record(request, 200, activity_id=activity_id, activity=activity, body=body)
        return web.json_response({"id": activity_id})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        params = await self._json_object(request)
        included = params.get("activity")
        activity_id = str(next(self._ids)) if isinstance(included, dict) else None
        conversation_id = self._new_conversation_id(params, activity_id)
        activity = None
        if activity_id is not None:
            activity = self._store(conversation_id, activity_id, included)
        self._record(
            request, 201, conversation_id=conversation_id, activity_id=activity_id, activity=activity, body=params
        )
        response = {"id": conversation_id, "serviceUrl": self.url}
        if activity_id is not None:
            response["activityId"] = activity_id
        return web.json_response(response, status=201)

    def _new_conversation_id(self, params: Json, activity_id: str | None) -> str:
        channel_id = ((params.get("channelData") or {}).get("channel") or {}).get("id")
        members = params.get("members") or []
        if channel_id and activity_id is not None:
            return f"{channel_id};messageid={activity_id}"
        if not params.get("isGroup") and len(members) == 1:
            return self._personal_chats.setdefault(members[0].get("id", ""), f"a:{uuid.uuid4().hex}")
        return f"19:{uuid.uuid4().hex}@thread.v2"

    def _find_member(self, member_id: str) -> Json | None:
        if member_id in self._members:
            return self._members[member_id]
        return next((m for m in self._members.values() if m["aadObjectId"] == member_id), None)

    async def _get_member(self, request: web.Request) -> web.Response:
        member = self._find_member(request.match_info["memberId"])
        if member is None:
            self._record(request, 404)
            return _error(404, "MemberNotFoundInConversation", "The member could not be found.")
        self._record(request, 200)
        return web.json_response(member)

    async def _get_members(self, request: web.Request) -> web.Response:
        self._record(request, 200)
        return web.json_response(list(self._members.values()))

    async def _get_paged_members(self, request: web.Request) -> web.Response:
        self._record(request, 200)
        return web.json_response({"members": list(self._members.values())})
