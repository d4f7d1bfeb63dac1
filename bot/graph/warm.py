"""Load msgraph-sdk's models off the event loop, once, before the first Graph answer needs them.

msgraph-sdk imports a model's related models the first time an answer is parsed
(``get_field_deserializers``). The first user, mail or app installation read pulls in about
1,200 modules: 2.3–2.4 s measured on a 2-core machine, all of it on the event loop, so the first
page to someone the app must be installed for, or the alarm mailbox's first read, would stop
every other page, card tap and webhook for that long. ``warm_models`` does those imports in a
worker thread right after start-up; the loop keeps running meanwhile (the import thread hands
the interpreter back at every switch interval).
"""

import asyncio
import importlib

from kiota_abstractions.serialization import Parsable

MODELS = (
    "msgraph.generated.models.user.User",
    "msgraph.generated.models.message.Message",
    "msgraph.generated.models.chat.Chat",
    "msgraph.generated.models.teams_app.TeamsApp",
    "msgraph.generated.models.user_scope_teams_app_installation.UserScopeTeamsAppInstallation",
)
"""The models whose answers Krisebot parses (users, alarm mail, app installation and its chat)."""


async def warm_models() -> None:
    """Import every model that parsing ``MODELS`` needs, in a worker thread."""
    await asyncio.to_thread(_load)


def _load() -> None:
    for path in MODELS:
        module, _, name = path.rpartition(".")
        model: type[Parsable] = getattr(importlib.import_module(module), name)
        model().get_field_deserializers()
