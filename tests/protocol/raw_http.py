"""HTTP/1.1 requests as bytes on a socket, for what a well-behaved client (aiohttp's) will not send:
bytes that are not UTF-8 in a header, a bad Host, a body that never finishes (test helper)."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

GIVE_UP = 30.0
"""Seconds before a test stops waiting for the server (a hang guard, not a measurement)."""


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def request_bytes(
    method: str, target: str | bytes, headers: Mapping[str, str | bytes] | None = None, body: bytes | None = b"", *,
    host: bytes = b"127.0.0.1", length: int | None = None, close: bool = True,
) -> bytes:
    """A request; header values may be raw bytes. ``length`` overrides Content-Length (a body that stops
    short); ``close`` asks the server to close the connection after its answer."""
    target = target if isinstance(target, bytes) else target.encode()
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: " + host]
    for name, value in (headers or {}).items():
        lines.append(name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()))
    if body is not None:
        lines.append(f"Content-Length: {len(body) if length is None else length}".encode())
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


async def send_raw(base_url: str, data: bytes, *, until_closed: bool = False) -> RawAnswer:
    """Send ``data`` to the server at ``base_url`` and read one answer; with ``until_closed`` wait,
    after it, for the server to close the connection."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(data)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), GIVE_UP)
        status_line, *lines = head.decode("latin-1").strip().split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = 0 if data.startswith(b"HEAD ") else int(headers.get("content-length", 0))
        body = await asyncio.wait_for(reader.readexactly(length), GIVE_UP)
        if until_closed:
            assert await asyncio.wait_for(reader.read(), GIVE_UP) == b"", "more after the answer"
    finally:
        writer.close()
    return RawAnswer(int(status_line.split()[1]), headers, body)
