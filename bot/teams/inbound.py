"""The shape an inbound Bot Framework activity must have before botbuilder sees it.

``InboundActivity`` checks the type of every field Krisebot or botbuilder's turn code reads: the
envelope (type, id, serviceUrl, channelId, from, recipient, conversation), text, locale, the invoke
name, channelData's tenant, team and channel, the entities (a mention's ``mentioned.id`` and text),
the members added, and a card's ``action.data``. ``botbuilder_activity`` then reads the activity
as botbuilder does and names the field it cannot read (a timestamp that is no time, attachments
that are no list, …). Everything else passes through unchanged.
"""

from typing import Annotated, Any, Self

from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from ..json_body import parse_json

# Activity types of the Bot Framework schema; anything else is refused with 400.
ACTIVITY_TYPES = frozenset(
    {
        "message", "conversationUpdate", "installationUpdate", "invoke", "event", "messageReaction",
        "messageUpdate", "messageDelete", "typing", "endOfConversation", "contactRelationUpdate",
        "deleteUserData", "trace", "handoff", "command", "commandResult", "suggestion",
    }
)
INVOKE_NAMES = frozenset({"adaptiveCard/action"})
"""The invokes Krisebot answers (Universal Actions); others are refused with 400."""
MAX_BODY = 256 * 1024


def _printable_ascii(value: str) -> str:
    if not (value and value.isascii() and value.isprintable()):
        raise ValueError("skal være et id af synlige ASCII-tegn")
    return value


Id = Annotated[str, AfterValidator(_printable_ascii)]
"""A Bot Framework id: ids go into the Connector's URLs and headers, so printable ASCII only."""


class UnreadableField(ValueError):
    """botbuilder cannot read the activity; ``field`` is the top-level field it fails on, if one alone does."""

    def __init__(self, field: str | None) -> None:
        super().__init__(field)
        self.field = field


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Account(_Loose):
    id: Id
    name: str | None = None
    aad_object_id: str | None = Field(default=None, alias="aadObjectId")


class Conversation(_Loose):
    id: Id
    tenant_id: str | None = Field(default=None, alias="tenantId")
    conversation_type: str | None = Field(default=None, alias="conversationType")


class _Ref(_Loose):
    id: str | None = None


class _ChannelData(_Loose):
    tenant: _Ref | None = None
    team: _Ref | None = None
    channel: _Ref | None = None


class _Entity(_Loose):
    type: str

    @model_validator(mode="after")
    def _mention(self) -> Self:
        """botbuilder reads a mention's ``mentioned.id``, and its ``text`` or else ``mentioned.name``."""
        if self.type.lower() == "mention":
            extra = self.model_extra or {}
            mentioned = extra.get("mentioned")
            if not isinstance(mentioned, dict) or not isinstance(mentioned.get("id"), str):
                raise ValueError("en omtale skal have «mentioned» med et «id» som tekst")
            if not isinstance(extra.get("text") or mentioned.get("name"), str):
                raise ValueError("en omtale skal have «text» eller «mentioned.name» som tekst")
        return self


class InboundActivity(_Loose):
    """An activity as posted to ``/api/messages``."""

    type: str
    id: Id | None = None
    name: str | None = None
    text: str | None = None
    locale: str | None = None
    service_url: AnyHttpUrl = Field(alias="serviceUrl")
    channel_id: str = Field(alias="channelId", min_length=1)
    from_: Account = Field(alias="from")
    recipient: Account
    conversation: Conversation
    channel_data: _ChannelData | None = Field(default=None, alias="channelData")
    entities: list[_Entity] | None = None
    members_added: list[Account] | None = Field(default=None, alias="membersAdded")
    value: Any = None

    @field_validator("value")
    @classmethod
    def _card_data(cls, value: Any) -> Any:
        """A card's ``action.data`` is merged with the card's inputs, so it must be an object."""
        action = value.get("action") if isinstance(value, dict) else None
        data = action.get("data") if isinstance(action, dict) else None
        if data and not isinstance(data, dict):
            raise ValueError("action.data skal være en tabel")
        return value

    @model_validator(mode="after")
    def _text_with_mention(self) -> Self:
        """botbuilder cuts a mention out of the text, so an activity with a mention must have a text."""
        if self.text is None and any(entity.type.lower() == "mention" for entity in self.entities or []):
            raise ValueError("text mangler, men aktiviteten har en omtale")
        return self

    @property
    def tenant_id(self) -> str | None:
        """The Entra tenant the activity comes from (Teams puts it in channelData and conversation)."""
        from_channel = self.channel_data.tenant.id if self.channel_data and self.channel_data.tenant else None
        return from_channel or self.conversation.tenant_id


def botbuilder_activity(body: bytes) -> Activity:
    """The activity in ``body`` (already an ``InboundActivity``) as botbuilder reads it; else UnreadableField."""
    data = parse_json(body)
    try:
        return Activity().deserialize(data)
    except DeserializationError:
        for field, value in data.items():
            try:
                Activity().deserialize({field: value})
            except DeserializationError:
                raise UnreadableField(field) from None
        raise UnreadableField(None) from None
