"""The fake SMS gateways answer like the real ones: auth, the documented bodies, error shapes, injected faults."""

import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.twilio import ACCOUNT_SID, FakeTwilio

MESSAGE = {"message": "Hej", "sender": "Krisebot", "recipients": [{"msisdn": 4520304050}, {"msisdn": "4529256511"}]}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def test_gatewayapi_takes_one_object_or_a_list_with_token_or_basic_auth(session: aiohttp.ClientSession) -> None:
    async with FakeGatewayApi() as fake:
        url = fake.url + "rest/mtsms"
        basic = "Basic " + base64.b64encode(f"{fake.token}:".encode()).decode()
        async with session.post(url, json=MESSAGE, headers={"Authorization": basic}) as response:
            one = await response.json()
        async with session.post(url, json=[MESSAGE, MESSAGE], headers={"Authorization": f"Token {fake.token}"}) as response:
            two = await response.json()
    assert len(one["ids"]) == 1 and len(two["ids"]) == 2 and one["usage"]["currency"] == "DKK"
    assert [s.msisdn for s in fake.sent] == [4520304050, 4529256511] * 3


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, MESSAGE, 401),
        ({"Authorization": "Token wrong"}, MESSAGE, 401),
        ({"Authorization": "Token gw-token"}, b"not json", 422),
        ({"Authorization": "Token gw-token"}, {"message": "Hej", "recipients": []}, 400),
        ({"Authorization": "Token gw-token"}, {"recipients": [{"msisdn": 4520304050}]}, 400),
        ({"Authorization": "Token gw-token"}, {"message": "Hej", "recipients": [{"msisdn": "+4520304050"}]}, 400),
    ],
    ids=["no-auth", "wrong-token", "not-json", "no-recipients", "no-message", "plus-in-msisdn"],
)
async def test_gatewayapi_errors_in_its_shape(session: aiohttp.ClientSession, headers: dict, body: object, status: int) -> None:
    async with FakeGatewayApi() as fake:
        request = {"data": body} if isinstance(body, bytes) else {"json": body}
        async with session.post(fake.url + "rest/mtsms", headers=headers, **request) as response:
            assert response.status == status
            assert {"message", "incident_uuid"} <= set(await response.json())
    assert fake.sent == []


async def test_twilio_answers_a_message_resource_and_errors_in_its_shape(session: aiohttp.ClientSession) -> None:
    async with FakeTwilio() as fake:
        url = f"{fake.url}2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        auth = {"Authorization": "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{fake.auth_token}".encode()).decode()}
        async with session.post(url, data={"To": "+4520304050", "From": fake.number, "Body": "Hej"}, headers=auth) as response:
            assert response.status == 201
            message = await response.json()
        async with session.post(url, data={"To": "+4520304050", "Body": "Hej"}) as response:
            unauthorised = (response.status, await response.json())
        async with session.post(url, data={"Body": "Hej"}, headers=auth) as response:
            no_to = (response.status, (await response.json())["code"])
    assert message["sid"].startswith("SM") and message["status"] == "queued" and message["to"] == "+4520304050"
    assert unauthorised == (401, {
        "code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401,
    })
    assert no_to == (400, 21604) and len(fake.sent) == 1


async def test_injected_faults_record_nothing(session: aiohttp.ClientSession) -> None:
    async with FakeGatewayApi() as fake:
        fake.fail_next(429, retry_after=5)
        async with session.post(fake.url + "rest/mtsms", json=MESSAGE, headers={"Authorization": "Token gw-token"}) as response:
            assert (response.status, response.headers["Retry-After"]) == (429, "5")
        fake.drop_next()
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await session.post(fake.url + "rest/mtsms", json=MESSAGE, headers={"Authorization": "Token gw-token"})
    assert fake.sent == []
