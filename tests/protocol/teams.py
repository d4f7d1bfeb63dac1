"""Teams activities as the Teams channel posts them to a bot (shapes from the Teams docs)."""

import itertools
from dataclasses import dataclass
from typing import Any

TENANT = "5d6a8f1e-0000-4000-8000-5712ae5c0000"
BOT_ID = "28:krisebot"
_ids = itertools.count(1_700_000_000_000)


@dataclass(frozen=True)
class TeamsUser:
    """A Teams user: the channel's id for them, their Entra object id, UPN and display name."""

    id: str
    aad_object_id: str
    upn: str
    name: str

    @property
    def chat_id(self) -> str:
        return f"a:1personal-{self.aad_object_id}"


JESPER = TeamsUser("29:1jesper", "aad-jesper", "jesper@struer.dk", "Jesper Thyrring Møller")
CLAUS = TeamsUser("29:1cvo", "aad-cvo", "CVO@struer.dk", "Claus Vagn Ohrt")
OUTSIDER = TeamsUser("29:1outsider", "aad-outsider", "anne@example.org", "Anne Andersen")


def personal(
    user: TeamsUser, service_url: str, *, type: str = "message", text: str | None = None,
    locale: str = "da-DK", tenant: str = TENANT, **extra: Any,
) -> dict[str, Any]:
    """An activity from ``user`` in their 1:1 chat with the bot."""
    activity: dict[str, Any] = {
        "type": type,
        "id": str(next(_ids)),
        "timestamp": "2026-11-28T08:15:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": tenant, "id": user.chat_id},
        "recipient": {"id": BOT_ID, "name": "Krisebot"},
        "locale": locale,
        "channelData": {"tenant": {"id": tenant}},
        "entities": [{"type": "clientInfo", "locale": locale, "country": "DK", "platform": "Web"}],
        **extra,
    }
    if text is not None:
        activity.update(text=text, textFormat="plain")
    return activity


def register(connector: Any, *users: TeamsUser) -> None:
    """Make the fake Connector's member lookup know ``users``."""
    for user in users:
        connector.add_member(
            user.id, name=user.name, aad_object_id=user.aad_object_id,
            user_principal_name=user.upn, email=user.upn.lower(), tenant_id=TENANT,
        )


EMIL = TeamsUser("29:1emilbc", "aad-emilbc", "emilbc@struer.dk", "Emil B. Christensen")
PETER = TeamsUser("29:1peter", "aad-peter", "peter@struer.dk", "Peter Knudsen")
HENRIK = TeamsUser("29:1hjm", "aad-hjm", "hjm@struer.dk", "Henrik Jebjerg Mogensen")
LISBETH = TeamsUser("29:1lak", "aad-lak", "lak@struer.dk", "Lisbeth Kusk")
MARIA = TeamsUser("29:1mlrj", "aad-mlrj", "marialouiserj@struer.dk", "Maria-Louise R. Jørgensen")
EVERYONE = (JESPER, EMIL, CLAUS, PETER, HENRIK, LISBETH, MARIA)
LOG_CHANNEL = "19:krisestab-log@thread.tacv2"


def installed(user: TeamsUser, service_url: str) -> dict[str, Any]:
    """Teams telling the bot it was added to ``user``'s personal scope."""
    return personal(user, service_url, type="conversationUpdate", membersAdded=[{"id": user.id}, {"id": BOT_ID}])


def tap(user: TeamsUser, service_url: str, verb: str, *, locale: str = "da-DK", **data: Any) -> dict[str, Any]:
    """A Universal Action (``Action.Execute``) from a card in ``user``'s chat: the button data merged with inputs."""
    return personal(
        user, service_url, type="invoke", name="adaptiveCard/action", locale=locale,
        value={"action": {"type": "Action.Execute", "id": verb, "verb": verb, "data": data}, "trigger": "manual"},
    )


def in_channel(user: TeamsUser, service_url: str, text: str, *, channel: str = LOG_CHANNEL) -> dict[str, Any]:
    """A message mentioning the bot in a team channel."""
    activity = personal(user, service_url, text=f"<at>Krisebot</at> {text}")
    activity["conversation"] = {"conversationType": "channel", "tenantId": TENANT, "id": f"{channel};messageid={next(_ids)}"}
    activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": "19:team@thread.tacv2"}, "channel": {"id": channel}}
    activity["entities"] = [{"type": "mention", "text": "<at>Krisebot</at>", "mentioned": {"id": BOT_ID, "name": "Krisebot"}}]
    return activity


def page_key(activity: dict[str, Any] | None) -> str | None:
    """The outbox key a page activity carries in ``channelData.krisebot.page`` (None: not a page)."""
    return (((activity or {}).get("channelData") or {}).get("krisebot") or {}).get("page")


@dataclass(frozen=True)
class Key:
    """An outbox key, ``crisis/purpose/person/<attempt ms>/channel``, then ``/<step>`` for a call to a
    person's next number and ``+fallback`` for a fallback that waits for the first contacts."""

    crisis: str
    purpose: str
    person: str
    at_ms: int
    channel: str
    step: int = 0
    fallback: bool = False

    @classmethod
    def parse(cls, text: str) -> "Key":
        body, fallback = text.removesuffix("+fallback"), text.endswith("+fallback")
        crisis, purpose, person, at_ms, channel, *step = body.split("/")
        return cls(crisis, purpose, person, int(at_ms), channel, int(step[0]) if step else 0, fallback)

    @property
    def attempt(self) -> tuple[str, str, str, int]:
        return self.crisis, self.purpose, self.person, self.at_ms

    def __str__(self) -> str:
        step = f"/{self.step}" if self.step else ""
        return f"{self.crisis}/{self.purpose}/{self.person}/{self.at_ms}/{self.channel}{step}" + (
            "+fallback" if self.fallback else ""
        )
