"""The Teams app's id in the organisation's app catalog, which installing it for a user needs.

Graph's catalog id of an uploaded app is not the manifest's ``id``: that one is the app's
``externalId`` (``GET /appCatalogs/teamsApps?$filter=externalId eq '<manifest id>'``). The
catalog id comes from ``KRISEBOT_TEAMS_APP_CATALOG_ID`` when it is set, else from that
lookup, whose answer is remembered for the process (an app not found is asked for again after
``RECHECK`` seconds: it may have been uploaded meanwhile).
"""

import asyncio
import time
from collections.abc import Callable

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.app_catalogs.teams_apps.teams_apps_request_builder import TeamsAppsRequestBuilder

from ..errors import PermanentError
from .errors import DEFAULT_TIMEOUT, graph_call

RECHECK = 60.0
_REASONS = {403: "appen må ikke læse organisationens Teams-appkatalog (AppCatalog.Read.All-tilladelse mangler)"}


async def find_catalog_id(client: GraphServiceClient, external_id: str, *, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """The catalog id of the app whose manifest id is ``external_id``; None when the catalog has no such app.

    Raises TransientError or PermanentError (``bot.errors``) when Graph fails.
    """
    quoted = external_id.replace("'", "''")
    query = TeamsAppsRequestBuilder.TeamsAppsRequestBuilderGetQueryParameters(filter=f"externalId eq '{quoted}'")
    found = await graph_call(
        client.app_catalogs.teams_apps.get(request_configuration=RequestConfiguration(query_parameters=query)),
        reasons=_REASONS, timeout=timeout,
    )
    return next((app.id for app in (found.value if found else None) or [] if app.id), None)


def not_in_catalog(external_id: str) -> str:
    """The Danish reason (and what to do) when the app is not in the catalog."""
    return (
        f"Teams-appen (manifest-id {external_id}) findes ikke i organisationens appkatalog: upload appen "
        "(krisebot manifest) i Teams Admin Center, eller sæt KRISEBOT_TEAMS_APP_CATALOG_ID"
    )


class CatalogApp:
    """The catalog id to install the Teams app with: the configured one, else the one looked up."""

    def __init__(
        self, client: GraphServiceClient, *, catalog_id: str, external_id: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._found = catalog_id or None
        self._external_id = external_id
        self._clock = clock
        self._missing_since: float | None = None
        self._lock = asyncio.Lock()

    async def id(self) -> str:
        """The catalog id; PermanentError when the app is not in the catalog, TransientError when the
        lookup failed (the next call looks again)."""
        async with self._lock:
            if self._found is None and not self._recently_missing():
                self._found = await find_catalog_id(self._client, self._external_id)
                self._missing_since = None if self._found else self._clock()
        if self._found is None:
            raise PermanentError(not_in_catalog(self._external_id))
        return self._found

    def _recently_missing(self) -> bool:
        return self._missing_since is not None and self._clock() - self._missing_since < RECHECK
