"""The Teams activity feed channel: a Graph activity notification that opens the chat with the bot.

``POST /users/{id}/teamwork/sendActivityNotification`` needs the Teams app installed for the
user and ``ACTIVITY_TYPE`` declared in the app manifest (``MANIFEST_ACTIVITY_TYPE`` is the
entry for its ``activities.activityTypes``). Calls are spaced by a ``RateLimiter`` (Graph
allows 5 per second per tenant). Graph answers 204 without an id: ``send`` returns the
``client-request-id`` it sent.
"""

from msgraph import GraphServiceClient
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.key_value_pair import KeyValuePair
from msgraph.generated.models.teamwork_activity_topic import TeamworkActivityTopic
from msgraph.generated.models.teamwork_activity_topic_source import TeamworkActivityTopicSource
from msgraph.generated.users.item.teamwork.send_activity_notification.send_activity_notification_post_request_body import (
    SendActivityNotificationPostRequestBody,
)

from ..graph.client import tagged_request
from ..graph.errors import DEFAULT_TIMEOUT, graph_call
from ..graph.throttle import RateLimiter
from ..plan.models import Plan
from ..render.page_words import feed_preview, page_title
from .base import Channel, ChannelPolicy, PageRequest, plan_person

ACTIVITY_TYPE = "crisisPage"
MANIFEST_ACTIVITY_TYPE = {
    "type": ACTIVITY_TYPE,
    "description": "Krisebot kalder dig i en krise",
    "templateText": "{purpose} – {crisis}",
}
"""The manifest entry for ``ACTIVITY_TYPE``; its template parameters are ``purpose`` and ``crisis``."""
_REASONS = {
    403: "appen er ikke installeret for brugeren i Teams (eller mangler tilladelsen TeamsActivity.Send)",
    404: "brugeren findes ikke i Entra",
}


class FeedNotifier:
    """Pages a person in their Teams activity feed (they must have the app installed)."""

    channel = Channel.FEED
    policy = ChannelPolicy(concurrency=5, order=2, follows_cards=True)
    """As many at once as Graph's rate limit (5 a second), so a send never waits in the limiter long enough
    to time out; after the cards, as a Graph call costs the loop several times a card's CPU."""

    def __init__(
        self, client: GraphServiceClient, plan: Plan, *, chat_url: str, teams_app_id: str | None = None,
        limiter: RateLimiter | None = None, timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._client = client
        self._plan = plan
        self._chat_url = chat_url
        self._teams_app_id = teams_app_id or None
        self._limiter = limiter or RateLimiter()
        self._timeout = timeout

    async def send(self, page: PageRequest) -> str | None:
        """Post the notification; TransientError or PermanentError (with a Danish reason) on failure."""
        person = plan_person(page)
        state, title = page.state, page_title(self._plan, page.state, page.purpose)
        body = SendActivityNotificationPostRequestBody(
            topic=TeamworkActivityTopic(
                source=TeamworkActivityTopicSource.Text, value=f"{state.id} {title}", web_url=self._chat_url
            ),
            activity_type=ACTIVITY_TYPE,
            preview_text=ItemBody(content=feed_preview(self._plan, state, page.purpose, person.id, page.roles)),
            template_parameters=[KeyValuePair(name="purpose", value=title), KeyValuePair(name="crisis", value=state.id)],
            teams_app_id=self._teams_app_id,
        )
        request_id, config = tagged_request()
        recipient = person.entra_object_id or person.email
        await self._limiter.acquire()
        await graph_call(
            self._client.users.by_user_id(recipient).teamwork.send_activity_notification.post(body, request_configuration=config),
            reasons=_REASONS, timeout=self._timeout,
        )
        return request_id
