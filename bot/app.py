"""The aiohttp application factory. Nothing is built at import time.

``create_app`` wires routes and registers resources in ``cleanup_ctx``: the store is
opened on start-up and closed on shutdown; the Teams adapter is built once the store is
open; with authentication on, the Bot Framework signing keys are kept fresh off the loop.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from .clock import Clock, system_clock
from .errors import StoreError
from .plan.models import Plan
from .settings import Settings
from .store import Store, open_store
from .teams.adapter import bot_authentication, create_adapter, keep_signing_keys_fresh, signing_keys_url
from .teams.endpoint import TeamsEndpoint
from .teams.handler import KrisebotHandler

SETTINGS = web.AppKey("settings", Settings)
PLAN = web.AppKey("plan", Plan)
CLOCK = web.AppKey("clock", Clock)
STORE = web.AppKey("store", Store)
TEAMS = web.AppKey("teams", TeamsEndpoint)


def create_app(settings: Settings, plan: Plan, *, clock: Clock = system_clock) -> web.Application:
    """The Krisebot web application for ``settings`` and a loaded ``plan``."""
    app = web.Application()
    app[SETTINGS] = settings
    app[PLAN] = plan
    app[CLOCK] = clock
    app.cleanup_ctx.extend([_store, _teams])
    app.router.add_post("/api/messages", _messages)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    return app


async def _store(app: web.Application) -> AsyncIterator[None]:
    app[STORE] = await open_store(app[SETTINGS].database)
    yield
    await app[STORE].close()


async def _teams(app: web.Application) -> AsyncIterator[None]:
    settings, plan = app[SETTINGS], app[PLAN]
    auth = bot_authentication(settings)
    owner = plan.person_by_id[plan.contact_procedure.roster_owner]
    app[TEAMS] = TeamsEndpoint(
        auth=auth,
        adapter=create_adapter(auth, owner_name=owner.name),
        bot=KrisebotHandler(plan=plan, store=app[STORE], clock=app[CLOCK]),
        auth_enabled=settings.auth_enabled,
        tenant_id=settings.bot_tenant_id,
    )
    refresher = asyncio.create_task(keep_signing_keys_fresh(signing_keys_url(settings))) if settings.auth_enabled else None
    yield
    if refresher:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher


async def _messages(request: web.Request) -> web.Response:
    return await request.app[TEAMS].handle(request)


async def _healthz(request: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


async def _readyz(request: web.Request) -> web.Response:
    """Ready to work: the plan is loaded and the database answers."""
    try:
        await request.app[STORE].ping()
    except StoreError as exc:
        return web.json_response({"status": "not ready", "database": str(exc)}, status=503)
    plan = request.app[PLAN]
    return web.json_response({"status": "ready", "plan": plan.organisation.title, "database": "ok"})
