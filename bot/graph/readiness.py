"""What Entra says about the plan's people (missing users, mobile numbers that disagree), and
whether the Teams app can be installed for people who never wrote to the bot.

Used by ``krisebot check``; the people's part is also logged at start-up, and the plan's
numbers are used regardless.
"""

from azure.core.credentials_async import AsyncTokenCredential
from msgraph import GraphServiceClient

from ..errors import ChannelError
from ..plan.models import Plan
from ..settings import Settings
from .catalog import find_catalog_id, not_in_catalog
from .client import open_graph
from .users import GraphUsers, mobile_mismatch


async def entra_findings(settings: Settings, plan: Plan, *, credential: AsyncTokenCredential | None = None) -> list[str]:
    """One Danish warning per problem; nothing when Graph is not configured."""
    async with open_graph(settings, credential=credential) as client:
        if client is None:
            return []
        return [*await people_findings(client, plan), *await catalog_findings(client, settings)]


async def catalog_findings(client: GraphServiceClient, settings: Settings) -> list[str]:
    """Whether the app is in the organisation's catalog, when its catalog id is to be looked up
    by the manifest's id (the bot's app id) rather than configured."""
    if settings.teams_app_catalog_id or not settings.bot_app_id:
        return []
    try:
        found = await find_catalog_id(client, settings.bot_app_id)
    except ChannelError as exc:
        return [f"Microsoft Graph: Teams-appkataloget kunne ikke slås op ({exc.reason})"]
    return [] if found else [not_in_catalog(settings.bot_app_id)]


async def people_findings(client: GraphServiceClient, plan: Plan) -> list[str]:
    """The plan's people as Entra knows them: who is missing, whose mobile number differs."""
    users = GraphUsers(client)
    findings = []
    for person in plan.everyone:
        try:
            user = await users.resolve(person)
        except ChannelError as exc:
            return [f"Microsoft Graph: brugerne kunne ikke slås op ({exc.reason})"]
        if user is None:
            findings.append(f"{person.name} ({person.email}) findes ikke i Entra")
            continue
        mismatch = mobile_mismatch(person, user)
        if mismatch:
            findings.append(mismatch)
    return findings
