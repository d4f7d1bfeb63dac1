"""What the console providers (SMS, voice) share: their private file, and the command line's way to the running service.

A console provider writes what it would have sent to a file a newcomer can ``tail -f``,
0600 whatever the umask (it holds phone numbers). The command line (``krisebot sms-reply``,
``krisebot call-reply``) plays the phone network: ``post_to_service`` posts to the running
service's console route on this machine and says in Danish why it could not.
"""

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from ..errors import KrisebotError
from ..private_files import open_private


def append_private(path: Path, text: str) -> None:
    """Append ``text`` to ``path`` (its folder made if need be), the file 0600 whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_private(path, append=True) as file:
        file.write(text)


class ConsoleRequestError(KrisebotError):
    """The command line could not hand its request to the service; the message says why, in Danish."""


async def post_to_service(base_url: str, path: str, payload: dict[str, str], *, not_served: str) -> Any:
    """POST ``payload`` as JSON to the service at ``base_url`` (see ``service_url``) and return its JSON answer.

    Raises ``ConsoleRequestError`` when the service does not answer or refuses: with its reason,
    or ``not_served`` for a 404 without one (the route is not there: another provider is configured).
    """
    url = base_url.rstrip("/") + path
    try:
        async with aiohttp.ClientSession() as session, session.post(
            url, json=payload, timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            try:
                answer = await response.json()
            except (ValueError, aiohttp.ContentTypeError):
                answer = None
            if response.status == 200:
                return answer
            try:
                reason = answer["error"]
            except (KeyError, TypeError):
                reason = not_served if response.status == 404 else f"svar {response.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise ConsoleRequestError(f"Krisebot svarer ikke på {url} ({type(exc).__name__}): kører krisebot serve?") from None
    raise ConsoleRequestError(f"svaret blev afvist: {reason}")


def service_url(host: str, port: int) -> str:
    """Where a local command reaches the service listening on ``host``:``port`` (loopback for 0.0.0.0 and ::)."""
    reachable = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in reachable and not reachable.startswith("["):
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"
