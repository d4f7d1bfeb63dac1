"""The Teams app's catalog id, looked up by the manifest's id through the real msgraph-sdk client
against the fake Graph, remembered, and reported by ``krisebot check`` when the app is missing."""

from collections.abc import AsyncIterator
from datetime import datetime, timezone

import pytest
from msgraph import GraphServiceClient

from bot.errors import PermanentError, TransientError
from bot.graph.catalog import RECHECK, CatalogApp, find_catalog_id
from bot.graph.client import open_graph
from bot.graph.readiness import entra_findings
from bot.plan import load_plan
from bot.resources import default_plan_path
from bot.settings import load_settings
from bot.database_url import DatabaseLocation
from bot.store import SqlStore, open_store
from bot.teams.chat_install import ChatInstaller
from tests.fakes.graph import FakeCredential, FakeGraph

CATALOG_ID = "0d7c2a1e-0000-4000-8000-c4741091ab1e"
MANIFEST_ID = "8c2f0f3e-0000-4000-8000-b07b07b07b07"
JESPER = load_plan(default_plan_path()).person_by_id["jesper"]


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        fake.add_teams_app("another-app", "Andet", external_id="11111111-0000-4000-8000-000000000000")
        fake.add_teams_app(CATALOG_ID, external_id=MANIFEST_ID)
        yield fake


@pytest.fixture
async def msgraph(graph: FakeGraph) -> AsyncIterator[GraphServiceClient]:
    async with open_graph(load_settings(_env_file=None, graph_base_url=graph.url), credential=FakeCredential()) as client:
        assert client is not None
        yield client


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_app_is_found_by_its_manifest_id(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    assert await find_catalog_id(msgraph, MANIFEST_ID) == CATALOG_ID

    [call] = graph.calls("list_catalog_apps")
    assert call.query == {"$filter": f"externalId eq '{MANIFEST_ID}'"}


async def test_an_app_not_in_the_catalog_is_none(msgraph: GraphServiceClient) -> None:
    assert await find_catalog_id(msgraph, "it's-not-there") is None


async def test_the_found_id_is_remembered(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    catalog = CatalogApp(msgraph, catalog_id="", external_id=MANIFEST_ID)

    assert [await catalog.id(), await catalog.id()] == [CATALOG_ID, CATALOG_ID]
    assert len(graph.calls("list_catalog_apps")) == 1


async def test_the_configured_id_needs_no_lookup(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    catalog = CatalogApp(msgraph, catalog_id="configured-id", external_id=MANIFEST_ID)

    assert await catalog.id() == "configured-id"
    assert graph.calls("list_catalog_apps") == []


async def test_a_failed_lookup_is_transient_and_tried_again(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    catalog = CatalogApp(msgraph, catalog_id="", external_id=MANIFEST_ID)
    graph.fail_next(429, retry_after=60)

    with pytest.raises(TransientError):
        await catalog.id()
    assert await catalog.id() == CATALOG_ID


async def test_a_missing_app_is_permanent_says_what_to_do_and_is_asked_for_again_later(
    graph: FakeGraph, msgraph: GraphServiceClient
) -> None:
    ticks = Ticks()
    catalog = CatalogApp(msgraph, catalog_id="", external_id="not-uploaded", clock=ticks)

    with pytest.raises(PermanentError) as refused:
        await catalog.id()
    assert "findes ikke i organisationens appkatalog" in refused.value.reason
    assert "KRISEBOT_TEAMS_APP_CATALOG_ID" in refused.value.reason
    with pytest.raises(PermanentError):
        await catalog.id()
    assert len(graph.calls("list_catalog_apps")) == 1

    graph.add_teams_app("uploaded-now", external_id="not-uploaded")
    ticks.now += RECHECK
    assert await catalog.id() == "uploaded-now"


async def test_check_warns_when_the_app_is_not_in_the_catalog(graph: FakeGraph) -> None:
    settings = load_settings(
        _env_file=None, graph_tenant_id="t", graph_client_id="graph-app", graph_client_secret="not-a-real-secret",
        graph_base_url=graph.url, bot_app_id="not-uploaded", bot_tenant_id="t", bot_app_password="not-a-real-secret",
    )

    findings = await entra_findings(settings, load_plan(default_plan_path()), credential=FakeCredential())

    assert [f for f in findings if "appkatalog" in f] == [
        "Teams-appen (manifest-id not-uploaded) findes ikke i organisationens appkatalog: upload appen "
        "(krisebot manifest) i Teams Admin Center, eller sæt KRISEBOT_TEAMS_APP_CATALOG_ID"
    ]


async def test_check_is_quiet_when_the_app_is_in_the_catalog(graph: FakeGraph) -> None:
    settings = load_settings(
        _env_file=None, graph_tenant_id="t", graph_client_id="graph-app", graph_client_secret="not-a-real-secret",
        graph_base_url=graph.url, bot_app_id=MANIFEST_ID, bot_tenant_id="t", bot_app_password="not-a-real-secret",
    )

    findings = await entra_findings(settings, load_plan(default_plan_path()), credential=FakeCredential())

    assert not [f for f in findings if "appkatalog" in f]


@pytest.fixture
async def store(database: DatabaseLocation) -> AsyncIterator[SqlStore]:
    opened = await open_store(database)
    await opened.save_conversation_reference(
        key="teams:29:1cvo", reference={"serviceUrl": "https://smba.example/emea/"}, at=datetime.now(timezone.utc)
    )
    yield opened
    await opened.close()


def installer(msgraph: GraphServiceClient, store: SqlStore, external_id: str) -> ChatInstaller:
    catalog = CatalogApp(msgraph, catalog_id="", external_id=external_id)
    return ChatInstaller(
        client=msgraph, store=store, clock=lambda: datetime.now(timezone.utc), catalog=catalog, tenant_id="t",
        bot_app_id=external_id,
    )


async def test_someone_who_never_wrote_to_the_bot_gets_the_app_found_by_its_manifest_id(
    graph: FakeGraph, msgraph: GraphServiceClient, store: SqlStore
) -> None:
    graph.add_user("aad-jesper", JESPER.email, JESPER.name)

    reference = await installer(msgraph, store, MANIFEST_ID).reference(JESPER)

    assert graph.installed("aad-jesper") == [CATALOG_ID]
    assert reference["conversation"]["id"].startswith("19:aad-jesper")


async def test_installing_an_app_not_in_the_catalog_fails_for_good_and_says_what_to_do(
    graph: FakeGraph, msgraph: GraphServiceClient, store: SqlStore
) -> None:
    graph.add_user("aad-jesper", JESPER.email, JESPER.name)

    with pytest.raises(PermanentError, match="upload appen"):
        await installer(msgraph, store, "not-uploaded").reference(JESPER)
    assert graph.calls("install_app") == []
