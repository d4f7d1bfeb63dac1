"""Install the Teams app for a user and find their 1:1 chat with the bot.

Used when no conversation reference is stored for a person: the chat id it returns is what
a Bot Connector conversation reference needs. Installing twice is harmless (Graph answers
409 Conflict, treated as installed).
"""

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.user_scope_teams_app_installation import UserScopeTeamsAppInstallation
from msgraph.generated.users.item.teamwork.installed_apps.installed_apps_request_builder import (
    InstalledAppsRequestBuilder,
)

from ..errors import TransientError
from .errors import DEFAULT_TIMEOUT, GraphRefused, graph_call

_REASONS = {
    403: "appen må ikke installere Teams-appen for brugeren (TeamsAppInstallation-tilladelse mangler)",
    404: "brugeren eller Teams-appen findes ikke (tjek KRISEBOT_TEAMS_APP_CATALOG_ID)",
}


async def ensure_chat(
    client: GraphServiceClient, user_id: str, *, catalog_id: str, timeout: float = DEFAULT_TIMEOUT
) -> str:
    """Make sure app ``catalog_id`` is installed for Entra user ``user_id``; return their chat id with it.

    Raises TransientError or PermanentError (``bot.errors``) when Graph fails.
    """
    apps = client.users.by_user_id(user_id).teamwork.installed_apps
    binding = f"{client.request_adapter.base_url.rstrip('/')}/appCatalogs/teamsApps/{catalog_id}"
    try:
        await graph_call(
            apps.post(UserScopeTeamsAppInstallation(additional_data={"teamsApp@odata.bind": binding})),
            reasons=_REASONS, timeout=timeout,
        )
    except GraphRefused as exc:
        if exc.status != 409:
            raise
    quoted = catalog_id.replace("'", "''")
    query = InstalledAppsRequestBuilder.InstalledAppsRequestBuilderGetQueryParameters(
        expand=["teamsApp"], filter=f"teamsApp/id eq '{quoted}'"
    )
    found = await graph_call(
        apps.get(request_configuration=RequestConfiguration(query_parameters=query)), reasons=_REASONS, timeout=timeout
    )
    installation = next(
        (i for i in (found.value if found else None) or [] if i.id and i.teams_app and i.teams_app.id == catalog_id),
        None,
    )
    if installation is None or installation.id is None:
        raise TransientError("Teams-appen er installeret, men Graph viser ikke installationen endnu")
    chat = await graph_call(
        apps.by_user_scope_teams_app_installation_id(installation.id).chat.get(), reasons=_REASONS, timeout=timeout
    )
    if chat is None or not chat.id:
        raise TransientError("Microsoft Graph gav et ugyldigt svar (chat uden id)")
    return chat.id
