"""The shape an inbound Bot Framework activity must have before botbuilder sees it.

Only what Krisebot relies on is checked; everything else passes through unchanged.
"""

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

# Activity types of the Bot Framework schema; anything else is refused with 400.
ACTIVITY_TYPES = frozenset(
    {
        "message", "conversationUpdate", "installationUpdate", "invoke", "event", "messageReaction",
        "messageUpdate", "messageDelete", "typing", "endOfConversation", "contactRelationUpdate",
        "deleteUserData", "trace", "handoff", "command", "commandResult", "suggestion",
    }
)
MAX_BODY = 256 * 1024


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Account(_Loose):
    id: str = Field(min_length=1)


class Conversation(_Loose):
    id: str = Field(min_length=1)
    tenant_id: str | None = Field(default=None, alias="tenantId")


class _Tenant(_Loose):
    id: str | None = None


class _ChannelData(_Loose):
    tenant: _Tenant | None = None


class InboundActivity(_Loose):
    """An activity as posted to ``/api/messages``."""

    type: str
    service_url: AnyHttpUrl = Field(alias="serviceUrl")
    channel_id: str = Field(alias="channelId", min_length=1)
    from_: Account = Field(alias="from")
    conversation: Conversation
    recipient: Account | None = None
    channel_data: _ChannelData | None = Field(default=None, alias="channelData")

    @property
    def tenant_id(self) -> str | None:
        """The Entra tenant the activity comes from (Teams puts it in channelData and conversation)."""
        from_channel = self.channel_data.tenant.id if self.channel_data and self.channel_data.tenant else None
        return from_channel or self.conversation.tenant_id
