"""Thousands of generated requests to every route, with authentication on and off: none may get a 5xx,
and none may leave a traceback in the service log.

Each example is one request, written as bytes on a socket (so headers can hold what no polite
client sends): a route or a path near one, any method, a Host that may be bad, any
``Content-Encoding``, bearer tokens and webhook signatures that may be valid, forged, non-ASCII
or not UTF-8, ``X-Forwarded-For``/``Forwarded``, a query string, and a body that is random
bytes, deeply nested JSON, gzip, or a valid body of the route with fields changed. The app runs
for the whole test (one per mode), as in production: the examples share its database.
Examples are derandomized, so a run is repeatable; a failure prints the request.
"""

import copy
import gzip
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import EXPORTS
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import FakeTokenIssuer
from tests.protocol.alarms import TOKEN, alertmanager, generic, grafana
from tests.protocol.raw_http import request_bytes, send_raw
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, TENANT, in_channel, installed, personal, register, tap

EXAMPLES = 1000
"""Requests per mode."""
APP_ID = "8c2f0f3e-0000-4000-8000-b07b07b07b07"
GATEWAYAPI_SECRET = "gw-webhook-secret-of-32-bytes-at-least"
TWILIO_TOKEN = "tw-auth-token"
DELIBERATE = {(503, json.dumps({"error": "KRISEBOT_ALARM_TOKEN er ikke sat: alarmer modtages ikke uden token"}).encode())}
"""The one 5xx that is an answer, not a failure: the alarm routes of a service without an alarm token (auth off)."""
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Tracebacks(logging.Handler):
    """Keeps every log record that carries an exception or a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or "Traceback" in record.getMessage():
            self.records.append(record)


class Fuzzed:
    """One running app under fuzz: where it listens, what a valid credential of each kind is, and the log."""

    def __init__(self, bot: Any, connector: FakeConnector, tokens: dict[str, str], log: Tracebacks) -> None:
        self.url = str(bot.client.make_url("")).rstrip("/")
        self.bot = bot
        self.connector = connector
        self.tokens = tokens
        self.log = log
        self.requests = requests(self)

    def export_link(self, crisis: str, fmt: str) -> str:
        link = self.bot.client.app[EXPORTS].link(crisis, fmt)
        return link[link.index("/api/export/"):]


@pytest.fixture
async def tracebacks() -> AsyncIterator[Tracebacks]:
    handler = Tracebacks()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture(params=["auth-off", "auth-on"])
async def fuzzed(request, settings_for, start_bot, connector: FakeConnector, tracebacks: Tracebacks) -> AsyncIterator[Fuzzed]:
    """Auth off: no app id, console SMS (twilio as backup). Auth on: an app id trusting a fake issuer,
    an alarm token, GatewayAPI SMS (twilio as backup). Every route of the app is there in one or both."""
    register(connector, *EVERYONE)
    sms = {"sms_backup_provider": "twilio", "twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": TWILIO_TOKEN,
           "twilio_base_url": "http://127.0.0.1:9", "gatewayapi_base_url": "http://127.0.0.1:9"}
    if request.param == "auth-off":
        bot = await start_bot(settings_for(sms_provider="console", **sms))
        yield Fuzzed(bot, connector, {}, tracebacks)
        return
    with FakeTokenIssuer() as issuer:
        bot = await start_bot(settings_for(
            bot_app_id=APP_ID, bot_tenant_id=TENANT, bot_app_password="not-a-real-secret",
            bot_openid_metadata_url=issuer.metadata_url,
            bot_token_issuer=issuer.issuer, alarm_token=TOKEN, sms_provider="gatewayapi", gatewayapi_token="gw",
            gatewayapi_webhook_secret=GATEWAYAPI_SECRET, **sms,
        ))
        tokens = {"bearer": issuer.token(audience=APP_ID, service_url=connector.url),
                  "forged": issuer.forged_token(audience=APP_ID, service_url=connector.url)}
        yield Fuzzed(bot, connector, tokens, tracebacks)


# -- what a request is made of ---------------------------------------------------------------

def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any], one_in: int = 4) -> st.SearchStrategy[Any]:
    """``odd`` once in ``one_in`` draws, else ``usual``: most requests get past the parser and the guard."""
    return st.integers(1, one_in).flatmap(lambda n: odd if n == 1 else usual)


ODD_BYTES = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
HEADER_VALUE = mostly(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40), ODD_BYTES, one_in=6)
HOSTS = mostly(st.just(b"127.0.0.1"), st.sampled_from([
    b"krisebot.struer.dk", b"krisebot:99999", b"krisebot:port", b"a:b:c", b"\xff\xfe", b"[::1", b"", b"x" * 300,
]) | ODD_BYTES, one_in=12)
URL_TEXT = mostly(st.text(max_size=20).map(lambda text: quote(text, safe="", errors="surrogatepass")), st.text(max_size=20), 8)
JSONS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
NESTED = st.integers(min_value=100, max_value=30000).flatmap(
    lambda depth: st.sampled_from([b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth])
)


def paths(body: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key of ``body``, nested ones too, as a path."""
    found = []
    for key, value in body.items():
        found.append((*prefix, key))
        if isinstance(value, dict):
            found += paths(value, (*prefix, key))
    return found


def changed(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``body`` with some fields (nested ones too) replaced by anything, removed, or added."""
    where = st.sampled_from(paths(body)) | st.text(max_size=12).map(lambda key: (key,))
    edits = st.lists(st.tuples(where, st.none() | JSONS, st.booleans()), max_size=3)

    def apply(changes: list[tuple[tuple[str, ...], Any, bool]]) -> dict[str, Any]:
        out = copy.deepcopy(body)
        for path, value, remove in changes:
            parent: Any = out
            for key in path[:-1]:
                parent = parent.get(key) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and remove:
                parent.pop(path[-1], None)
            elif isinstance(parent, dict):
                parent[path[-1]] = value
        return out

    return edits.map(apply)


def json_bodies(*shapes: dict[str, Any]) -> st.SearchStrategy[bytes]:
    return st.one_of([changed(shape) for shape in shapes]).map(lambda body: json.dumps(body).encode())


def twilio_form() -> st.SearchStrategy[bytes]:
    fields = st.dictionaries(st.sampled_from(["MessageSid", "From", "Body", "MessageStatus", "SmsStatus", "ErrorCode"]),
                             st.text(max_size=20), max_size=6)
    return fields.map(lambda form: urlencode(form, errors="surrogatepass").encode())


def route_bodies(connector_url: str) -> dict[str, st.SearchStrategy[bytes]]:
    """For each route, bodies it accepts with fields changed."""
    activities = json_bodies(
        personal(JESPER, connector_url, text="status"), personal(CLAUS, connector_url, text="alarm"),
        tap(CLAUS, connector_url, "acknowledge", crisis_id="K-2026-001"), installed(CLAUS, connector_url),
        in_channel(CLAUS, connector_url, "log"),
    )
    return {
        "/api/messages": activities,
        "/api/alarms": json_bodies(generic(), alertmanager(), grafana()),
        "/api/sms/console": json_bodies({"from": "20112233", "text": "1K"}),
        "/api/sms/twilio": twilio_form(),
    }


def odd_bodies(connector_url: str) -> st.SearchStrategy[bytes]:
    """Bodies no route takes: random bytes, deeply nested JSON, any JSON, a gzipped body, another route's body."""
    other = st.sampled_from(list(route_bodies(connector_url).values())).flatmap(lambda bodies: bodies)
    return st.one_of(
        st.binary(max_size=300), NESTED, JSONS.map(lambda v: json.dumps(v).encode()), other.map(gzip.compress), other,
    )


def gatewayapi_signature() -> st.SearchStrategy[str]:
    """JWTs signed with the webhook secret whose claims are anything near an inbound SMS or a report."""
    claims = st.fixed_dictionaries(
        {}, optional={key: JSONS for key in ("id", "msisdn", "message", "senttime", "status", "time", "userref", "code")}
    )
    return claims.map(lambda c: jwt.encode(c, GATEWAYAPI_SECRET, algorithm="HS256"))


ROUTES = [
    ("POST", "/api/messages"), ("POST", "/api/alarms"), ("POST", "/api/heartbeats/prometheus"),
    ("POST", "/api/sms/console"), ("POST", "/api/sms/twilio"), ("POST", "/api/sms/gatewayapi"),
    ("GET", "/api/export/K-2026-001.md"), ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
NEAR_ROUTES = ["/api/heartbeats/", "/api/export/", "/api/sms/", "/api/export/K-2026-001.", "/api/sms/console/"]


def requests(fuzzed: Fuzzed) -> st.SearchStrategy[bytes]:
    """Whole requests to ``fuzzed``'s app (its tokens, its signed export links)."""
    authorization = st.sampled_from(
        [*(f"Bearer {token}" for token in fuzzed.tokens.values()), f"Bearer {TOKEN}", "Basic dXNlcjpwYXNz"]
    ) | HEADER_VALUE.map(lambda v: b"Bearer " + (v if isinstance(v, bytes) else v.encode()))
    headers = {
        "Authorization": authorization,
        "Content-Type": st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
        "Content-Encoding": st.sampled_from(["gzip", "deflate", "br", "identity", "gzip, identity"]) | HEADER_VALUE,
        "X-Forwarded-For": st.just("203.0.113.9") | HEADER_VALUE,
        "Forwarded": st.just("for=203.0.113.9") | HEADER_VALUE,
        "X-Twilio-Signature": HEADER_VALUE,
        "X-Gwapi-Signature": gatewayapi_signature() | HEADER_VALUE,
        "X-Anything": HEADER_VALUE,
    }
    near = st.tuples(st.sampled_from(NEAR_ROUTES), URL_TEXT).map("".join)
    odd = odd_bodies(fuzzed.connector.url)
    bodies = {route: mostly(usual, odd) for route, usual in route_bodies(fuzzed.connector.url).items()}
    no_body = mostly(st.just(b""), odd)
    signatures = {"/api/sms/gatewayapi": "X-Gwapi-Signature", "/api/sms/twilio": "X-Twilio-Signature"}

    @st.composite
    def request(draw: st.DrawFn) -> bytes:
        method, route = draw(st.sampled_from(ROUTES))
        method = draw(mostly(st.just(method), st.sampled_from(METHODS), one_in=8))
        path = draw(mostly(st.just(route), near, one_in=8))
        if path.startswith("/api/export/"):
            signed = fuzzed.export_link(draw(st.sampled_from(["K-2026-001", "K-2026-002"])), "md")
            path = draw(st.sampled_from([signed, path + "?", signed.split("?")[0] + "?"]))
        query = draw(mostly(st.just(""), URL_TEXT | st.just("expires=%C2%B2&sig=%FF"), one_in=3))
        target = (path + ("&" if "?" in path else "?") + query if query else path).encode(errors="surrogatepass")
        target = bytes(c for c in target if c > 0x20 and c != 0x7F)  # a request line splits on spaces
        likely = {signatures.get(route), "Authorization" if fuzzed.tokens else None}
        chosen = {
            name: draw(values) for name, values in headers.items() if draw(st.integers(1, 8)) <= (6 if name in likely else 1)
        }
        body = draw(bodies.get(route, no_body))
        return request_bytes(method, target, chosen, body, host=draw(HOSTS))

    return request()


@given(data=st.data())
@FUZZ
async def test_no_request_gets_a_5xx_or_leaves_a_traceback(fuzzed: Fuzzed, data: st.DataObject) -> None:
    raw = data.draw(fuzzed.requests, label="request")
    fuzzed.log.records.clear()  # each example answers for what is logged while it is served

    answer = await send_raw(fuzzed.url, raw)

    assert answer.status < 500 or (answer.status, answer.body) in DELIBERATE, answer.body[:300]
    assert not fuzzed.log.records, [r.getMessage() for r in fuzzed.log.records]
