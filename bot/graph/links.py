"""Where a feed notification or a page mail sends the person: their chat with the bot."""

from urllib.parse import quote

from ..settings import Settings

TEAMS = "https://teams.microsoft.com/"


def chat_url(settings: Settings) -> str:
    """A Teams deep link to the 1:1 chat with the bot, else the public URL, else Teams itself."""
    if settings.bot_app_id:
        return f"{TEAMS}l/chat/0/0?users={quote('28:' + settings.bot_app_id, safe=':')}"
    return str(settings.public_url) if settings.public_url else TEAMS
