"""Post an activity straight to the Bot Connector's REST API through one shared HTTP session.

``POST {serviceUrl}/v3/conversations/{conversationId}/activities`` with the activity as JSON and
the bot's bearer token (``BotToken``): what botbuilder's ``ConnectorClient`` sends, without a new
client, turn context and TCP connection for every call. The Connector's answers map to the
channel errors as before: 400, 401, 403 and 404 are permanent (blocked, unknown conversation,
not allowed); any other status and a network failure are transient, with the Connector's
``Retry-After`` (whole seconds) when it gave one.
"""

from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientSession
from yarl import URL

from ..errors import PermanentError, TransientError
from .bot_token import BotToken

PERMANENT_STATUSES = frozenset({400, 401, 403, 404})

Json = dict[str, Any]


def proactive_activity(reference: Json, activity: Json) -> Json:
    """``activity`` addressed from the bot to the user of a stored conversation reference, as
    botbuilder's ``TurnContext`` addresses a proactive message (``inputHint`` included)."""
    addressed = {
        **activity,
        "serviceUrl": reference["serviceUrl"],
        "channelId": reference.get("channelId"),
        "from": reference.get("bot"),
        "conversation": reference["conversation"],
        "recipient": reference.get("user"),
        "inputHint": activity.get("inputHint", "acceptingInput"),
    }
    if reference.get("locale"):
        addressed["locale"] = reference["locale"]
    return addressed


class ConnectorPoster:
    """Sends activities into conversations; one instance (and session) per process."""

    def __init__(self, session: ClientSession, token: BotToken) -> None:
        self._session = session
        self._token = token

    async def post(self, activity: Json) -> str | None:
        """Post an addressed activity (``proactive_activity``); the Connector's id for it.

        Raises TransientError or PermanentError with a Danish reason.
        """
        conversation_id = activity["conversation"]["id"]
        url = URL(
            f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities",
            encoded=True,
        )
        headers = {**await self._token.headers(), "x-ms-conversation-id": conversation_id}
        try:
            async with self._session.post(url, json=activity, headers=headers) as response:
                if response.status >= 400:
                    raise _refusal(response.status, response.headers.get("Retry-After"))
                body = await response.json(content_type=None)  # None when empty (202)
        except (ClientError, OSError) as exc:
            raise TransientError(f"Teams kunne ikke nås ({type(exc).__name__})") from exc
        except ValueError as exc:  # an answer that is not JSON
            raise TransientError(f"Teams gav et ugyldigt svar ({type(exc).__name__})") from exc
        return body.get("id") if isinstance(body, dict) else None


def _refusal(status: int, retry_after: str | None) -> TransientError | PermanentError:
    reason = f"Teams svarede {status}"
    if status in PERMANENT_STATUSES:
        return PermanentError(reason)
    return TransientError(reason, float(retry_after) if retry_after and retry_after.isdigit() else None)
