"""What Twilio's Messages and Voice APIs share: Basic auth, how a created resource or a refusal is read,
and the signature of its webhooks.

Requests carry Basic auth (account SID, auth token). A resource is created when the answer is
2xx with a ``sid``; a 400 whose Twilio error code is one of ``number_errors`` (about the
number) is permanent, any other answer transient (``http.post`` has already turned
throttling, 5xx and refused credentials into ``TransientError``).

Webhooks: ``X-Twilio-Signature`` is Base64(HMAC-SHA1(auth token, URL + the POST parameters
sorted by name, each name followed by its value)). The URL is the public one the callback was
configured with; it is accepted with and without the scheme's default port. The header is
compared as bytes, so any text in it is at worst a wrong signature. A signature binds the URL
and the form, not the time: a replayed webhook verifies, so its receiver deduplicates.
"""

import base64
import hashlib
import hmac
from collections.abc import Container, Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..errors import ChannelError, PermanentError, TransientError
from .http import Answer
from .webhooks import WebhookRejected

GATEWAY = "Twilio"
SIGNATURE_HEADER = "X-Twilio-Signature"


def auth_headers(account_sid: str, auth_token: str) -> dict[str, str]:
    """The headers of every API request: Basic auth, JSON answers."""
    credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
    return {"Authorization": f"Basic {credentials}", "Accept": "application/json"}


def created(answer: Answer, *, to: str, number_errors: Container[int]) -> str | ChannelError:
    """The new resource's ``sid``, or why it was not created (permanent when the error is about ``to``)."""
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status < 300 and isinstance(body.get("sid"), str):
        return body["sid"]
    code = body.get("code")
    if answer.status == 400 and code in number_errors:
        return PermanentError(f"{GATEWAY} afviste nummeret {to} (fejl {code})")
    return TransientError(f"{GATEWAY} svarede {answer.status}" + (f" (fejl {code})" if code else ""))


def signature(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    """Twilio's signature of a POST to ``url`` with form ``params``."""
    payload = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_forms(url: str) -> tuple[str, str]:
    """``url`` with the scheme's default port and without any port, as Twilio may have signed either."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    with_port = urlunsplit(parts._replace(netloc=f"{host}:{port}"))
    without_port = urlunsplit(parts._replace(netloc=host))
    return with_port, without_port


def verified_form(auth_token: str, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """The form Twilio posted to ``url``, once its signature is checked; else ``WebhookRejected`` (401, or 400
    for a body that is no form)."""
    given = headers.get(SIGNATURE_HEADER)
    if not given:
        raise WebhookRejected(401, f"{SIGNATURE_HEADER} mangler")
    try:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise WebhookRejected(400, "kroppen er ikke en gyldig formular") from None
    sent = given.encode(errors="surrogatepass")
    if not any(hmac.compare_digest(signature(auth_token, form, params).encode(), sent) for form in url_forms(url)):
        raise WebhookRejected(401, f"{SIGNATURE_HEADER} er ugyldig")
    return dict(params)
