"""Krisebot with authentication on: its settings, channel tokens as headers, and the bot's own sign-in.

Tokens come from a ``FakeTokenIssuer`` (tests/fakes/openid.py), which also answers the bot's
sign-in when ``sign_in_through`` puts it in place of MSAL.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from botframework.connector.auth import ManagedIdentityAppCredentials, MicrosoftAppCredentials

from bot.settings import Settings
from tests.fakes.openid import FakeTokenIssuer
from tests.protocol.teams import TENANT

APP_ID = "8c2f0f3e-0000-4000-8000-b07b07b07b07"


def secured(settings_for: Callable[..., Settings], issuer: FakeTokenIssuer, **registration: Any) -> Settings:
    """Settings with authentication on, trusting ``issuer``'s tokens."""
    return settings_for(
        bot_app_id=APP_ID,
        bot_tenant_id=TENANT,
        bot_openid_metadata_url=issuer.metadata_url,
        bot_token_issuer=issuer.issuer,
        **registration,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in_through(issuer: FakeTokenIssuer, monkeypatch: Any) -> None:
    """Let botbuilder's app credentials get the bot's token from ``issuer`` instead of Entra."""

    def get_access_token(credentials, force_refresh: bool = False) -> str:
        return issuer.sign_in(credentials)

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", get_access_token)
    monkeypatch.setattr(ManagedIdentityAppCredentials, "get_access_token", get_access_token)


async def eventually(condition: Callable[[], bool], *, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds, letting the event loop run; TimeoutError after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
