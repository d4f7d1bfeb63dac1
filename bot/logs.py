"""Logging for ``krisebot serve``: JSON lines when stderr is not a terminal, readable lines on one.

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, plus
``crisis_id`` and ``event_id`` when the call passes them with ``extra=`` and ``exception``
when it logs one. Log calls name things (crisis, event, channel, status), never secrets
or the text of a message, card or SMS. The access log shows method, path (without the
query string, which may carry a link's signature), status and duration; health probes that
succeed are left out.

Whatever a request chose (method, path, a source's name) is logged through ``printable``,
so a control character can neither forge a line on a terminal nor hide one. aiohttp's own
server log quotes the raw header line of a request it cannot parse, token and all:
``server_logger`` is the one the app gives aiohttp, and it logs such a request as one
warning naming the error's kind, without the line or a traceback.
"""

import json
import logging
import sys
from datetime import datetime, timezone
from typing import TextIO

from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp import web
from aiohttp.web import BaseRequest, StreamResponse

REFUSED = web.ResponseKey("krisebot.refused", bool)
"""Set on a response as a refusal ``bot.http_errors.refuse`` has logged already: the access log leaves it out."""

HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTEXT = ("crisis_id", "event_id")
"""The ``extra=`` keys a JSON line carries when a log call gives them."""
PRINTABLE_LIMIT = 200
"""Characters of request-chosen text a log line keeps."""
SERVER_LOGGER = "krisebot.http.server"


def printable(text: str, limit: int = PRINTABLE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters with every character Python does not call printable (controls,
    line and paragraph separators, format and surrogate characters, spaces other than " ") escaped: ``\\x1b``."""
    cut = text[:limit]
    if not cut.isprintable():  # rare: look at each character only then
        cut = "".join(c if c.isprintable() else _escaped(c) for c in cut)
    return cut + ("…" if len(text) > limit else "")


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= {key: value for key in CONTEXT if (value := getattr(record, key, None)) is not None}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Send every log record to ``stream`` (default stderr): JSON unless it is a terminal."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(HUMAN_FORMAT) if stream.isatty() else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


HEALTH_PROBES = frozenset({"/healthz", "/readyz"})
"""Paths a load balancer asks every few seconds: the access log leaves out their successful answers."""


class AccessLog(AbstractAccessLogger):
    """aiohttp's access log without query strings, without the refusals ``bot.http_errors`` logs (or leaves out), and
    without health probes answered 2xx (a failing ``/readyz`` is logged)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if response.get(REFUSED) or (request.path in HEALTH_PROBES and response.status < 300):
            return
        self.logger.info("%s %s %s %.3fs", printable(request.method, 20), printable(request.path), response.status, time)


def _unparsable_request(record: logging.LogRecord) -> bool:
    """Turn aiohttp's record of a request it could not parse into a warning without the raw line."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, HttpProcessingError):
        record.msg = "afviste en ugyldig HTTP-forespørgsel fra %s: %s (%s)"
        remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        record.args = (printable(str(remote), 60), type(error).__name__, error.code)
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info, record.exc_text = None, None
    return True


def server_logger() -> logging.Logger:
    """The logger for aiohttp's server (``handler_args``): its records of unparsable requests hold no raw request data."""
    logger = logging.getLogger(SERVER_LOGGER)
    if _unparsable_request not in logger.filters:
        logger.addFilter(_unparsable_request)
    return logger
