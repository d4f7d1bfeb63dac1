"""The answers to a card tap (a Universal Action, ``adaptiveCard/action``) that Teams shows on the tapped card.

Either the card that replaces it, or an error message on it, the card staying as it was: 400 for a tap that cannot
be used, 500 when Krisebot failed. The HTTP status is 200 either way; the answer's own ``statusCode`` says which.
"""

from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity, ActivityTypes

from ..render.cards import CONTENT_TYPE

ERROR_TYPE = "application/vnd.microsoft.error"
_ERROR_CODES = {HTTPStatus.BAD_REQUEST: "BadRequest", HTTPStatus.INTERNAL_SERVER_ERROR: "InternalError"}


def card_answer(card: dict[str, Any]) -> InvokeResponse:
    """The card that replaces the tapped one."""
    return InvokeResponse(status=HTTPStatus.OK, body={"statusCode": 200, "type": CONTENT_TYPE, "value": card})


def error_answer(message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> InvokeResponse:
    """``message`` on the tapped card; ``status`` is 400 (the tap cannot be used) or 500 (Krisebot failed)."""
    value = {"code": _ERROR_CODES[status], "message": message}
    return InvokeResponse(status=HTTPStatus.OK, body={"statusCode": int(status), "type": ERROR_TYPE, "value": value})


def error_activity(message: str) -> Activity:
    """``message`` on the tapped card as Krisebot's failure (500), for a turn that has already failed."""
    return Activity(type=ActivityTypes.invoke_response, value=error_answer(message, HTTPStatus.INTERNAL_SERVER_ERROR))
