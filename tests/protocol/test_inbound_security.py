"""What reaches /api/messages must be authentic, well-formed and from our tenant; refusals change nothing,
name the field at fault, and no body or token at all gets a 5xx or leaves a traceback in the log."""

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.teams.references import personal_chat_key
from bot.teams.verbs import Verb
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import FakeTokenIssuer
from tests.protocol.secured import APP_ID, secured, sign_in_through
from tests.protocol.teams import BOT_ID, JESPER, TENANT, personal


@pytest.fixture
def issuer() -> Iterator[FakeTokenIssuer]:
    with FakeTokenIssuer() as fake:
        yield fake


@pytest.fixture
async def secured_bot(settings_for, start_bot, issuer: FakeTokenIssuer):
    return await start_bot(secured(settings_for, issuer, bot_app_password="not-a-real-secret"))


def installed(connector: FakeConnector) -> dict:
    return personal(JESPER, connector.url, type="conversationUpdate", membersAdded=[{"id": JESPER.id}])


async def remembered(bot) -> bool:
    return await bot.store.conversation_reference(key=personal_chat_key(JESPER.id)) is not None


async def test_a_valid_channel_token_is_accepted(secured_bot, connector, issuer) -> None:
    token = issuer.token(audience=APP_ID, service_url=connector.url)

    response = await secured_bot.post(installed(connector), headers={"Authorization": f"Bearer {token}"})

    assert response.status == 201
    assert await remembered(secured_bot)


async def test_a_managed_identity_registration_checks_tokens_too(settings_for, start_bot, connector, issuer) -> None:
    bot = await start_bot(secured(settings_for, issuer, bot_app_type="UserAssignedMSI"))
    good = issuer.token(audience=APP_ID, service_url=connector.url)
    forged = issuer.forged_token(audience=APP_ID, service_url=connector.url)

    assert (await bot.post(installed(connector), headers={"Authorization": f"Bearer {forged}"})).status == 401
    assert not await remembered(bot)
    assert (await bot.post(installed(connector), headers={"Authorization": f"Bearer {good}"})).status == 201
    assert await remembered(bot)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(lambda issuer, url: None, id="no header"),
        pytest.param(lambda issuer, url: "Bearer", id="bearer without token"),
        pytest.param(lambda issuer, url: "Basic dXNlcjpwYXNz", id="wrong scheme"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.token(audience='someone-else', service_url=url)}", id="wrong audience"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.forged_token(audience=APP_ID, service_url=url)}", id="forged signature"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.token(audience=APP_ID, service_url=url, lifetime=-3600)}", id="expired"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.token(audience=APP_ID, service_url='https://evil.example/')}", id="other service url"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.token(audience=APP_ID, service_url=url, issuer='https://evil.example')}", id="other issuer"),
    ],
)
async def test_requests_without_a_valid_token_get_401_and_change_nothing(
    secured_bot, connector, issuer, authorization
) -> None:
    header = authorization(issuer, connector.url)

    response = await secured_bot.post(installed(connector), headers={"Authorization": header} if header else {})

    assert response.status == 401
    assert "error" in await response.json()
    assert not await remembered(secured_bot)
    assert connector.requests == []


async def test_activities_from_another_tenant_are_refused(settings_for, start_bot, connector) -> None:
    bot = await start_bot(settings_for(bot_tenant_id=TENANT))
    activity = personal(JESPER, connector.url, text="roller", tenant="00000000-0000-0000-0000-0000000e0110")

    response = await bot.post(activity)

    assert response.status == 403
    assert connector.requests == []
    assert not await remembered(bot)


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        pytest.param(b"{not json", 400, "ugyldig aktivitet", id="malformed json"),
        pytest.param(b"[1, 2, 3]", 400, "ugyldig aktivitet", id="not an object"),
        pytest.param(json.dumps({"type": "message", "text": "hej"}).encode(), 400, "serviceUrl", id="no service url"),
        pytest.param(b'{"type": "message", "serviceUrl": "ftp://x", "channelId": "msteams", "from": {"id": "u"}, "conversation": {"id": "c"}}', 400, "serviceUrl", id="bad service url"),
        pytest.param(b'{"type": "weird", "serviceUrl": "http://127.0.0.1/", "channelId": "msteams", "from": {"id": "u"}, "recipient": {"id": "b"}, "conversation": {"id": "c"}}', 400, "ukendt aktivitetstype", id="unknown activity type"),
    ],
)
async def test_bad_input_gets_a_4xx_with_a_reason(bot, connector, body, status, reason) -> None:
    response = await bot.post(None, raw=body, headers={"Content-Type": "application/json"})

    assert response.status == status
    assert reason in (await response.json())["error"]
    assert await bot.store.events() == []
    assert connector.requests == []


MENTION = {"type": "mention", "text": "<at>Krisebot</at>", "mentioned": {"id": BOT_ID, "name": "Krisebot"}}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        pytest.param({"recipient": None}, "ugyldig aktivitet: recipient: mangler", id="no recipient"),
        pytest.param({"timestamp": "x"}, "ugyldig aktivitet: timestamp har en ugyldig form", id="timestamp not a time"),
        pytest.param({"localTimestamp": 5}, "ugyldig aktivitet: localTimestamp har en ugyldig form", id="local timestamp a number"),
        pytest.param({"attachments": "str"}, "ugyldig aktivitet: attachments har en ugyldig form", id="attachments a string"),
        pytest.param({"membersAdded": "x"}, "ugyldig aktivitet: membersAdded: skal være en liste", id="members added a string"),
        pytest.param({"suggestedActions": 5}, "ugyldig aktivitet: suggestedActions har en ugyldig form", id="suggested actions a number"),
        pytest.param({"entities": 5}, "ugyldig aktivitet: entities: skal være en liste", id="entities a number"),
        pytest.param({"entities": [{"type": None}]}, "ugyldig aktivitet: entities.0.type: skal være tekst", id="entity without type"),
        pytest.param({"entities": [{"type": "mention", "mentioned": 5}]}, "ugyldig aktivitet: entities.0: en omtale skal have «mentioned» med et «id» som tekst", id="mention of nobody"),
        pytest.param({"entities": [MENTION], "text": None}, "ugyldig aktivitet: text mangler, men aktiviteten har en omtale", id="mention without text"),
        pytest.param({"text": 5}, "ugyldig aktivitet: text: skal være tekst", id="text a number"),
        pytest.param({"locale": {"da": "DK"}}, "ugyldig aktivitet: locale: skal være tekst", id="locale an object"),
        pytest.param({"channelData": "s"}, "ugyldig aktivitet: channelData: skal være en tabel", id="channelData a string"),
        pytest.param({"channelData": {"tenant": {"id": TENANT}, "team": "x"}}, "ugyldig aktivitet: channelData.team: skal være en tabel", id="team a string"),
        pytest.param({"conversation": {"id": "a:1personal-ø€"}}, "ugyldig aktivitet: conversation.id: skal være et id af synlige ASCII-tegn", id="non-ASCII conversation id"),
        pytest.param({"value": {"action": {"verb": "acknowledge", "data": [1]}}, "text": None}, "ugyldig aktivitet: value: action.data skal være en tabel", id="card data a list"),
        pytest.param({"type": "invoke", "name": "task/fetch"}, "Krisebot svarer ikke på invoke 'task/fetch'", id="invoke Krisebot does not answer"),
        pytest.param({"type": "invoke", "name": 5}, "ugyldig aktivitet: name: skal være tekst", id="invoke name a number"),
    ],
)
async def test_bad_activity_fields_get_400_naming_the_field_even_with_authentication_on(
    secured_bot, connector, issuer, fields, error
) -> None:
    activity = personal(JESPER, connector.url, text="hjælp")
    for name, value in fields.items():
        if value is None:
            del activity[name]
        else:
            activity[name] = value
    token = issuer.token(audience=APP_ID, service_url=connector.url)

    response = await secured_bot.post(activity, headers={"Authorization": f"Bearer {token}"})

    assert response.status == 400
    assert (await response.json())["error"] == error
    assert connector.requests == []
    assert not await remembered(secured_bot)


async def test_an_oversized_activity_is_refused_before_it_is_read(bot, connector) -> None:
    activity = personal(JESPER, connector.url, text="x" * (300 * 1024))

    response = await bot.post(activity)

    assert response.status == 413
    assert not await remembered(bot)
    assert connector.requests == []


async def test_refusals_are_logged_as_warnings_without_the_token(secured_bot, connector, issuer, caplog) -> None:
    forged = issuer.forged_token(audience=APP_ID, service_url=connector.url)

    await secured_bot.post(installed(connector), headers={"Authorization": f"Bearer {forged}"})

    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "refused" in r.getMessage()]
    assert warnings and "401" in warnings[0].getMessage()
    assert forged not in caplog.text and forged.split(".")[2] not in caplog.text


# -- any body at all -------------------------------------------------------------------------

SERVICE_URL = "{service_url}"  # replaced by the fake Connector's address
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
TOP_LEVEL = [
    "type", "id", "timestamp", "localTimestamp", "localTimezone", "channelId", "from", "recipient", "conversation",
    "text", "textFormat", "locale", "entities", "attachments", "attachmentLayout", "channelData", "value", "name",
    "membersAdded", "membersRemoved", "reactionsAdded", "reactionsRemoved", "replyToId", "suggestedActions",
    "expiration", "importance", "deliveryMode", "relatesTo", "semanticAction", "speak", "inputHint", "listenFor",
    "textHighlights", "callerId", "action", "topicName", "summary", "historyDisclosed", "code", "valueType", "label",
]
NESTED = [
    ("from", "id"), ("from", "name"), ("from", "aadObjectId"), ("recipient", "id"), ("conversation", "id"),
    ("conversation", "conversationType"), ("conversation", "tenantId"), ("channelData", "tenant"),
    ("channelData", "team"), ("channelData", "channel"), ("entities", 0, "type"), ("entities", 0, "mentioned"),
    ("entities", 0, "text"), ("value", "action"), ("value", "action", "data"), ("value", "action", "verb"),
    ("value", "action", "type"),
]
TEXTS = ["hjælp", "status", "roller", "alarm", "log", "log nu sker der noget", "eksport", "afslut", "eskalér", "logkanal", ""]


def _set(activity: dict, path: tuple, value) -> None:
    node = activity
    for step in path[:-1]:
        if isinstance(node, dict) and isinstance(node.get(step), dict | list):
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and len(node) > step:
            node = node[step]
        else:
            return
    if isinstance(node, dict):
        node[path[-1]] = value


@st.composite
def activities(draw) -> dict:
    """Teams activities of every kind Krisebot answers, with some fields replaced by any JSON at all."""
    kind = draw(st.sampled_from(["message", "conversationUpdate", "installationUpdate", "invoke", "messageReaction", "event"]))
    activity = personal(JESPER, SERVICE_URL, type=kind, text=draw(st.sampled_from(TEXTS)))
    if kind == "invoke":
        data = draw(st.dictionaries(st.text(max_size=10), st.text(max_size=20) | JSON, max_size=3))
        action = {"type": "Action.Execute", "verb": draw(st.sampled_from(list(Verb))), "data": data}
        activity.update(name="adaptiveCard/action", value={"action": action, "trigger": "manual"})
    if kind == "conversationUpdate":
        activity["membersAdded"] = [{"id": JESPER.id}]
    if draw(st.booleans()):
        activity["entities"] = [{"type": "mention", "text": "<at>Krisebot</at>", "mentioned": {"id": BOT_ID, "name": "Krisebot"}}]
    for field in draw(st.lists(st.sampled_from([*TOP_LEVEL, "serviceUrl"]), max_size=2, unique=True)):
        if field == "serviceUrl":  # never another real address: replies would go there
            activity[field] = draw(st.sampled_from([None, 5, "", "ftp://x", "not a url", [], {}]))
        elif draw(st.booleans()):
            activity.pop(field, None)
        else:
            activity[field] = draw(st.text(max_size=20) | JSON)
    for path in draw(st.lists(st.sampled_from(NESTED), max_size=2, unique=True)):
        _set(activity, path, draw(st.text(max_size=20) | JSON))
    return activity


BODIES = st.one_of(
    activities().map(lambda activity: json.dumps(activity).encode()),
    activities().map(lambda activity: json.dumps(activity, ensure_ascii=False).encode("utf-8")),
    activities().map(lambda activity: json.dumps(activity).encode()),
    JSON.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=60),
)
HEADER_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=40)  # what an HTTP client can send
AUTHORIZATIONS = st.sampled_from(["valid", "none"]) | HEADER_TEXT | HEADER_TEXT.map(lambda text: f"Bearer {text}")
FUZZ = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


async def answered_without_a_5xx_or_a_traceback(bot, connector, caplog, body: bytes, authorization: str | None) -> None:
    caplog.clear()
    headers = {"Content-Type": "application/json"} | ({"Authorization": authorization} if authorization else {})

    response = await bot.post(None, raw=body.replace(SERVICE_URL.encode(), connector.url.encode()), headers=headers)

    event(f"HTTP {response.status}")
    assert response.status < 500, (body, await response.text())
    assert [r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()] == []


@FUZZ
@given(body=BODIES)
async def test_no_body_gets_a_5xx_or_a_traceback_with_authentication_off(bot, connector, caplog, body: bytes) -> None:
    await answered_without_a_5xx_or_a_traceback(bot, connector, caplog, body, None)


@pytest.fixture
async def answering_bot(settings_for, start_bot, issuer: FakeTokenIssuer, monkeypatch):
    """Krisebot with authentication on that can also reply (its own token comes from ``issuer``)."""
    sign_in_through(issuer, monkeypatch)
    return await start_bot(secured(settings_for, issuer, bot_app_password="not-a-real-secret"))


@FUZZ
@given(body=BODIES, authorization=AUTHORIZATIONS)
async def test_no_body_or_token_gets_a_5xx_or_a_traceback_with_authentication_on(
    answering_bot, connector, issuer: FakeTokenIssuer, caplog, body: bytes, authorization: str
) -> None:
    token = issuer.token(audience=APP_ID, service_url=connector.url)
    header = {"valid": f"Bearer {token}", "none": None}.get(authorization, authorization)

    await answered_without_a_5xx_or_a_traceback(answering_bot, connector, caplog, body, header)
