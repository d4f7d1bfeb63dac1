"""The leased keyword taken off a reply.

With GatewayAPI replies arrive through a keyword leased on a shared short code (people text
``KRISE 1K`` to 1204); ``KRISEBOT_SMS_REPLY_KEYWORD`` names it, and it is stripped before the
code is read.
"""

import re


def strip_keyword(text: str, keyword: str) -> str:
    """``text`` without a leading ``keyword`` (any case, followed by a space or the end), trimmed."""
    text = text.strip()
    if keyword and re.match(rf"{re.escape(keyword)}(\s|$)", text, re.IGNORECASE):
        return text[len(keyword):].strip()
    return text
