"""Keys under which conversation references are stored."""

LOG_CHANNEL_KEY = "log-channel"


def person_chat_key(person_id: str) -> str:
    """Store key of a plan person's chat with the bot, found through Graph."""
    return f"person:{person_id}"


def personal_chat_key(teams_user_id: str) -> str:
    """Store key of the personal-chat conversation reference of a Teams user."""
    return f"teams:{teams_user_id}"
