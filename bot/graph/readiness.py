"""What Entra says about the plan's people: missing users and mobile numbers that disagree.

Used by ``krisebot check`` and logged at start-up; the plan's numbers are used regardless.
"""

from azure.core.credentials_async import AsyncTokenCredential
from msgraph import GraphServiceClient

from ..channels.base import ChannelError
from ..plan.models import Plan
from ..settings import Settings
from .client import open_graph
from .users import GraphUsers, mobile_mismatch


async def entra_findings(settings: Settings, plan: Plan, *, credential: AsyncTokenCredential | None = None) -> list[str]:
    """One Danish warning per problem; nothing when Graph is not configured."""
    async with open_graph(settings, credential=credential) as client:
        return [] if client is None else await people_findings(client, plan)


async def people_findings(client: GraphServiceClient, plan: Plan) -> list[str]:
    """The plan's people as Entra knows them: who is missing, whose mobile number differs."""
    users = GraphUsers(client)
    findings = []
    for person in plan.people:
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
