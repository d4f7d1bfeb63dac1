"""Logging for ``krisebot serve``: JSON lines when stderr is not a terminal, readable lines on one.

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, plus
``crisis_id`` and ``event_id`` when the call passes them with ``extra=`` and ``exception``
when it logs one. Log calls name things (crisis, event, channel, status), never secrets
or the text of a message, card or SMS. The access log shows method, path (without the
query string, which may carry a link's signature), status and duration.
"""

import json
import logging
import sys
from datetime import datetime, timezone
from typing import TextIO

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTEXT = ("crisis_id", "event_id")
"""The ``extra=`` keys a JSON line carries when a log call gives them."""


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


class AccessLog(AbstractAccessLogger):
    """aiohttp's access log without query strings."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %.3fs", request.method, request.path, response.status, time)
