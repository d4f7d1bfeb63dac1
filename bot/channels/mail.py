"""The mail channel: a high-importance mail through Graph with the same facts as the page's card.

``POST /users/{sender}/sendMail`` from the ``graph_mail_sender`` mailbox. The HTML body is
the page card's text (its TextBlocks and FactSets, inputs and buttons left out) followed
by the person's roles, what is asked of them and a link to the chat with the bot; all text
is HTML-escaped. Mail carries no buttons and no replies. Graph answers 202 without an id:
``send`` returns the ``client-request-id`` it sent.
"""

import html
import re
from typing import Any

from msgraph import GraphServiceClient
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.importance import Importance
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.message import Message
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody

from ..clock import Clock, system_clock
from ..graph.client import tagged_request
from ..graph.errors import DEFAULT_TIMEOUT, graph_call
from ..plan.models import Plan
from ..render.crisis_cards import page_card
from ..render.page_words import mail_ask, page_title, roles_on_card
from ..render.plain import shown
from .base import Channel, ChannelPolicy, PageRequest, plan_person

_BOLD = re.compile(r"\*\*(.+?)\*\*")


class MailNotifier:
    """Pages a person by mail from one sender mailbox."""

    channel = Channel.MAIL
    policy = ChannelPolicy(concurrency=4, order=3, follows_cards=True)
    """Graph's limit of 4 requests at a time to one mailbox (which also keeps mail's CPU from crowding
    out the Teams cards)."""

    def __init__(
        self, client: GraphServiceClient, plan: Plan, *, sender: str, chat_url: str,
        clock: Clock = system_clock, timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._client = client
        self._plan = plan
        self._sender = sender
        self._chat_url = chat_url
        self._clock = clock
        self._timeout = timeout
        self._reasons = {
            403: f"appen må ikke sende mail fra {sender} (Mail.Send eller adgangspolitik)",
            404: f"afsenderpostkassen {sender} findes ikke",
        }

    async def send(self, page: PageRequest) -> str | None:
        """Send the mail; TransientError or PermanentError (with a Danish reason) on failure."""
        person = plan_person(page)
        message = Message(
            subject=f"[Krise {page.state.id}] {page_title(self._plan, page.state, page.purpose)}",
            importance=Importance.High,
            body=ItemBody(content_type=BodyType.Html, content=self.body(page)),
            to_recipients=[Recipient(email_address=EmailAddress(address=person.email, name=person.name))],
        )
        request_id, config = tagged_request()
        await graph_call(
            self._client.users.by_user_id(self._sender).send_mail.post(
                SendMailPostRequestBody(message=message, save_to_sent_items=True), request_configuration=config
            ),
            reasons=self._reasons, timeout=self._timeout,
        )
        return request_id

    def body(self, page: PageRequest) -> str:
        """The mail's HTML: the card's text, the roles, what is asked and the link to the chat."""
        card = page_card(
            self._plan, page.state, "da", person=page.person.id, purpose=page.purpose, now=self._clock(),
            roles=page.roles,
        )
        parts = [_html(node) for node in card.get("body", [])]
        if page.roles and not roles_on_card(page.purpose):
            roles = ", ".join(self._plan.role_by_id[r].name for r in page.roles if r in self._plan.role_by_id)
            parts.append(f"<p>Du får denne besked som <strong>{html.escape(roles)}</strong>.</p>")
        parts.append(f"<p><strong>{html.escape(mail_ask(page.purpose))}</strong></p>")
        parts.append(f'<p><a href="{html.escape(self._chat_url)}">Åbn chatten med Krisebot i Teams</a></p>')
        parts.append('<p style="color:#666666">Mailen er sendt automatisk af Krisebot. Svar på den bliver ikke læst.</p>')
        return '<html lang="da"><body style="font-family:Segoe UI,Arial,sans-serif">' + "".join(parts) + "</body></html>"


def _html(node: dict[str, Any]) -> str:
    """One Adaptive Card element as HTML: text and facts; inputs, buttons and images give nothing."""
    match node.get("type"):
        case "TextBlock":
            text = _inline(str(node.get("text", "")))
            if node.get("size") in ("ExtraLarge", "Large"):
                return f"<h1>{text}</h1>"
            if node.get("size") == "Medium":
                return f"<h2>{text}</h2>"
            return f"<p><strong>{text}</strong></p>" if node.get("weight") == "Bolder" else f"<p>{text}</p>"
        case "FactSet":
            rows = "".join(
                f'<tr><th align="left" valign="top">{_inline(str(f.get("title", "")))}</th>'
                f'<td>{_inline(str(f.get("value", "")))}</td></tr>'
                for f in node.get("facts", [])
            )
            return f'<table cellpadding="4">{rows}</table>'
        case "Container" | "Column":
            return "".join(_html(item) for item in node.get("items", []))
        case "ColumnSet":
            return "".join(_html(column) for column in node.get("columns", []))
    return ""


def _inline(text: str) -> str:
    """A card's Markdown text as HTML: its ``**bold**`` and line breaks kept, every other character as written."""
    pieces = [html.escape(shown(piece)) for piece in _BOLD.split(text)]
    return "".join(f"<strong>{p}</strong>" if n % 2 else p for n, p in enumerate(pieces)).replace("\n", "<br>")
