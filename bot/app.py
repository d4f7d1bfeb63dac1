"""The aiohttp application factory. Nothing is built at import time.

``create_app`` wires routes and registers resources in ``cleanup_ctx``: the store is
opened on start-up and closed on shutdown; once it is open, the Teams adapter, the outlet
and the crises (rebuilt from the logbog) are built; with authentication on, the Bot
Framework signing keys are kept fresh off the loop. Shutdown waits for pending commands.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp

from aiohttp import web
from azure.core.credentials_async import AsyncTokenCredential
from msgraph import GraphServiceClient

from .channels.base import Notifier
from .channels.feed import FeedNotifier
from .channels.mail import MailNotifier
from .channels.sms.base import DeliveryReport, InboundSms
from .channels.sms.batcher import Batcher
from .channels.sms.notifier import SmsNotifier
from .channels.sms.providers import sms_provider, sms_routes
from .channels.sms.text import ReplyRoute
from .channels.voice.base import CallAnswer, CallUpdate, KeyPress, Prompt, VoiceProvider
from .channels.voice.console import ConsoleVoice
from .channels.voice.notifier import VoiceNotifier
from .channels.voice.providers import voice_provider, voice_routes
from .clock import Clock, system_clock
from .engine.breakers import Breakers, Dependency
from .engine.crises import FOLLOW_INTERVAL, Crises
from .engine.foreground import Foreground
from .engine.guard import Guard, GuardedNotifier, GuardedOutlet
from .engine.later import Later
from .engine.outage import OutageResponse, TeamsProbe
from .engine.pager import Pager
from .errors import PdfUnavailable, StoreError
from .export_links import FORMATS, ExportLinks
from .graph.catalog import CatalogApp
from .graph.client import open_graph
from .graph.links import chat_url
from .graph.readiness import people_findings
from .graph.users import GraphUsers
from .graph.warm import warm_models
from .heap import frozen_heap
from .http_errors import BODY_DEADLINE, DEFAULT_BODY_DEADLINE, REFUSALS, RefusalLog, refuse
from .http_guard import guard, handler_args
from .intake.call_desk import CallDesk
from .intake.service import Intake, build_intake, leader_loops
from .intake.sms_inbox import SmsInbox
from .leadership import Leadership
from .metrics import CONTENT_TYPE, METRICS, Metrics
from .pages import page_routes
from .plan.models import Plan
from .render.export import logbog_html, logbog_markdown
from .render.pdf import pdf
from .render.situation_cards import SituationCards
from .settings import Settings
from .store import Store, open_store
from .teams.adapter import bot_authentication, create_adapter, keep_signing_keys_fresh, signing_keys_url
from .teams.bot_token import connector_token
from .teams.chat_install import ChatInstaller
from .teams.connector_post import ConnectorPoster
from .teams.endpoint import TeamsEndpoint
from .teams.handler import KrisebotHandler
from .teams.notifier import TeamsNotifier
from .teams.outlet import TeamsOutlet
from .teams.proactive import TeamsSender

log = logging.getLogger("krisebot")

SETTINGS = web.AppKey[Settings]("settings")
PLAN = web.AppKey[Plan]("plan")
CLOCK = web.AppKey[Clock]("clock")
STORE = web.AppKey[Store]("store")
TEAMS = web.AppKey[TeamsEndpoint]("teams")
CRISES = web.AppKey[Crises]("crises")
EXPORTS = web.AppKey[ExportLinks]("exports")
PAGER = web.AppKey[Pager]("pager")
GRAPH = web.AppKey[GraphServiceClient | None]("graph")
GRAPH_CREDENTIAL = web.AppKey[AsyncTokenCredential | None]("graph_credential")
GRAPH_RETRY_WAIT_SCALE = web.AppKey[float]("graph_retry_wait_scale")
SMS = web.AppKey[Batcher]("sms")
SMS_INBOX = web.AppKey[SmsInbox]("sms_inbox")
VOICE = web.AppKey[VoiceProvider]("voice")
CALL_DESK = web.AppKey[CallDesk]("call_desk")
CONNECTOR_SESSION = web.AppKey[aiohttp.ClientSession]("connector_session")
STOP_GRACE = 5.0
"""Seconds a background loop is given to end once cancelled, when the service stops."""
ENTRA_CHECK_DELAY = 30.0
FOREGROUND = web.AppKey[Foreground]("foreground")
INTAKE = web.AppKey[Intake]("intake")
LEADERSHIP = web.AppKey[Leadership]("leadership")
SMS_TIMEOUT = 15.0
"""Seconds one request to an SMS gateway may take."""
VOICE_TIMEOUT = 10.0
"""Seconds one request to place a call may take."""
FOLLOW_EVERY = web.AppKey[float]("follow_every")
PDF_DEADLINE = web.AppKey[float]("pdf_deadline")
DEFAULT_PDF_DEADLINE = 60.0
"""Seconds a logbog's PDF may take to make (off the event loop) before its download is answered with 503."""


def create_app(
    settings: Settings, plan: Plan, *, clock: Clock = system_clock, graph_credential: AsyncTokenCredential | None = None,
    graph_retry_wait_scale: float = 1.0, body_deadline: float = DEFAULT_BODY_DEADLINE,
    pdf_deadline: float = DEFAULT_PDF_DEADLINE, follow_every: float = FOLLOW_INTERVAL,
) -> web.Application:
    """The Krisebot web application for ``settings`` and a loaded ``plan``.

    ``graph_credential`` replaces the one the settings describe (tests, other hosts);
    ``graph_retry_wait_scale`` shortens the Graph SDK's waits between retries (tests);
    ``body_deadline`` is the seconds a request body may take to arrive (``http_errors``);
    ``pdf_deadline`` the seconds an exported logbog's PDF may take to make;
    ``follow_every`` the seconds between two looks at the events other instances appended (``Crises.follow``).
    Every route goes through the guard middleware (``http_guard``).
    """
    app = web.Application(middlewares=[guard], handler_args=handler_args())
    app[BODY_DEADLINE] = body_deadline
    app[REFUSALS] = RefusalLog()
    app[PDF_DEADLINE] = pdf_deadline
    app[FOLLOW_EVERY] = follow_every
    app[GRAPH_CREDENTIAL] = graph_credential
    app[GRAPH_RETRY_WAIT_SCALE] = graph_retry_wait_scale
    app[SETTINGS] = settings
    app[PLAN] = plan
    app[CLOCK] = clock
    app[EXPORTS] = ExportLinks(base_url=str(settings.public_url or f"http://{settings.host}:{settings.port}"), clock=clock)
    app.cleanup_ctx.extend([_store, _graph, _sms, _voice, _connector_session, _teams, _intake, _leadership, frozen_heap])
    for path, handler in voice_routes(settings, _AppDesk(app), clock=clock).items():
        app.router.add_post(path, handler)
    for path, handler in sms_routes(settings, _AppInbox(app), clock=clock).items():
        app.router.add_post(path, handler)
    app.router.add_post("/api/messages", _messages)
    app.router.add_post("/api/alarms", _alarms)
    app.router.add_post("/api/heartbeats/{name}", _heartbeats)
    app.router.add_get("/api/export/{crisis}.{fmt}", _export)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/metrics", _metrics)
    app.router.add_routes(page_routes(plan))
    return app


async def _store(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[STORE] = store = await open_store(settings.database)
    app[LEADERSHIP] = Leadership(
        store=store, clock=app[CLOCK], holder=settings.instance_id, ttl=timedelta(seconds=settings.lease_seconds)
    )
    yield
    await store.close()


async def _stopped(*tasks: asyncio.Task[None]) -> None:
    """Cancel ``tasks`` and wait for them to end, at most ``STOP_GRACE`` seconds: a task stuck in a driver that does
    not give way to its cancellation (a database pool whose server went away) must not keep the service from stopping."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, stuck = await asyncio.wait(tasks, timeout=STOP_GRACE)
    for task in stuck:
        log.warning("%s stoppede ikke inden for %s s; tjenesten lukker alligevel", task.get_name().capitalize(), STOP_GRACE)


async def _leadership(app: web.Application) -> AsyncIterator[None]:
    """Lead, or wait to, once every loop that must run on one instance only is known: alone on its database,
    this instance leads from the start; on shutdown it stops them and gives the lease up."""
    leadership = app[LEADERSHIP]
    await leadership.renew()
    renewing = asyncio.create_task(leadership.run(), name="fornyelsen af ledelsen")
    yield
    await _stopped(renewing)


async def _graph(app: web.Application) -> AsyncIterator[None]:
    async with open_graph(
        app[SETTINGS], credential=app[GRAPH_CREDENTIAL], retry_wait_scale=app[GRAPH_RETRY_WAIT_SCALE]
    ) as client:
        app[GRAPH] = client
        background = []
        if client is not None:  # the models first, off the loop; then, later, what Entra says of the plan
            background = [
                asyncio.create_task(warm_models(), name="indlæsningen af Graphs modeller"),
                asyncio.create_task(_log_entra_findings(client, app[PLAN]), name="sammenligningen med Entra"),
            ]
        yield
        await _stopped(*background)


async def _log_entra_findings(client: GraphServiceClient, plan: Plan) -> None:
    """Log, once soon after start, where Entra disagrees with the plan (the plan's numbers are used).

    It waits ``ENTRA_CHECK_DELAY`` first: reading a user through msgraph-sdk costs about 4 ms of CPU,
    which must not hold up the pages that were overdue at a restart (and by then ``warm_models``
    has imported what the first one needs).
    """
    await asyncio.sleep(ENTRA_CHECK_DELAY)
    for finding in await people_findings(client, plan):
        log.warning("Entra: %s", finding)


async def _sms(app: web.Application) -> AsyncIterator[None]:
    """The configured SMS provider (with its backup), fed through one batcher on one HTTP session."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SMS_TIMEOUT)) as session:
        app[SMS] = Batcher(sms_provider(app[SETTINGS], session, clock=app[CLOCK]))
        yield


async def _voice(app: web.Application) -> AsyncIterator[None]:
    """The configured voice provider (with its backup) on one HTTP session; the console's calls are
    answered through the call desk, found on the app once it has started."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=VOICE_TIMEOUT)) as session:
        app[VOICE] = provider = voice_provider(app[SETTINGS], session, _AppDesk(app), clock=app[CLOCK])
        yield
        if isinstance(provider, ConsoleVoice):
            await provider.exchange.aclose()


class _AppDesk:
    """The voice webhooks' call desk, found on the app once it has started (routes are added before)."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    async def answered(self, answer: CallAnswer) -> Prompt:
        return await self._app[CALL_DESK].answered(answer)

    async def pressed(self, keys: KeyPress) -> Prompt:
        return await self._app[CALL_DESK].pressed(keys)

    async def progressed(self, update: CallUpdate) -> None:
        await self._app[CALL_DESK].progressed(update)


async def _connector_session(app: web.Application) -> AsyncIterator[None]:
    """One HTTP session for the pages posted straight to the Bot Connector."""
    async with aiohttp.ClientSession() as session:
        app[CONNECTOR_SESSION] = session
        yield


class _AppInbox:
    """The SMS webhooks' inbox, found on the app once it has started (routes are added before)."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    async def reply(self, sms: InboundSms) -> None:
        await self._app[SMS_INBOX].reply(sms)

    async def report(self, report: DeliveryReport) -> None:
        await self._app[SMS_INBOX].report(report)


def _notifiers(app: web.Application, poster: ConnectorPoster, breakers: Breakers) -> list[Notifier]:
    """Calls, Teams and SMS always; with Graph, the activity feed, mail (with a sender mailbox) and app
    installation. Which a page uses, first and as the fallback, is the plan's contact order.

    Teams, feed and mail go through their dependency's breaker.
    """
    settings, plan, store, clock, client = app[SETTINGS], app[PLAN], app[STORE], app[CLOCK], app[GRAPH]
    connector, graph = (
        Guard(breakers, dependency, timeout=settings.microsoft_timeout, clock=clock)
        for dependency in (Dependency.CONNECTOR, Dependency.GRAPH)
    )
    installer = None
    if client is not None and (settings.teams_app_catalog_id or settings.bot_app_id):  # the manifest's id is the app id
        catalog = CatalogApp(client, catalog_id=settings.teams_app_catalog_id, external_id=settings.bot_app_id)
        installer = ChatInstaller(
            client=client, store=store, clock=clock, catalog=catalog,
            tenant_id=settings.bot_tenant_id or settings.graph_tenant_id, bot_app_id=settings.bot_app_id,
        )
    teams = TeamsNotifier(plan=plan, store=store, clock=clock, poster=poster, installer=installer)
    notifiers: list[Notifier] = [GuardedNotifier(teams, connector)]
    if client is not None:
        link = chat_url(settings)
        feed = FeedNotifier(client, plan, chat_url=link, teams_app_id=settings.teams_app_catalog_id or None)
        notifiers.append(GuardedNotifier(feed, graph))
        if settings.graph_mail_sender:
            mail = MailNotifier(client, plan, sender=settings.graph_mail_sender, chat_url=link, clock=clock)
            notifiers.append(GuardedNotifier(mail, graph))
    route = ReplyRoute(keyword=settings.sms_reply_keyword, number=settings.sms_reply_number)
    crises = app[CRISES]
    notifiers.append(SmsNotifier(
        plan=plan, store=store, clock=clock, batcher=app[SMS], route=route,
        open_crises=lambda: {state.id for state in crises.active()}, caller_id=settings.voice_caller_id,
    ))
    notifiers.append(VoiceNotifier(
        provider=app[VOICE], store=store, clock=clock, caller_id=settings.voice_caller_id,
        rate=settings.voice_calls_per_second,
    ))
    return notifiers


async def _teams(app: web.Application) -> AsyncIterator[None]:
    settings, plan, store, clock = app[SETTINGS], app[PLAN], app[STORE], app[CLOCK]
    auth = bot_authentication(settings)
    owner = plan.person_by_id[plan.contact_procedure.roster_owner]
    adapter = create_adapter(auth, owner_name=owner.name)
    situations = SituationCards(plan)
    sender = TeamsSender(adapter, settings.bot_app_id)
    # Two cycles, closed by binding once below: the crises start the pager's pages and the pager
    # records into the crises; the breakers report to the outage response, which pages through them.
    paging, outage = Later[Pager]("the pager"), Later[OutageResponse]("the outage response")
    breakers = Breakers(
        threshold=settings.breaker_failures, cooldown=timedelta(seconds=settings.breaker_cooldown), clock=clock,
        listener=outage,
    )
    leadership = app[LEADERSHIP]
    app[METRICS] = Metrics(breakers=breakers.states, leader=lambda: leadership.leader)
    connector = Guard(breakers, Dependency.CONNECTOR, timeout=settings.microsoft_timeout, clock=clock)
    outlet = TeamsOutlet(plan=plan, store=store, clock=clock, sender=sender, situations=situations)
    app[FOREGROUND] = foreground = Foreground()
    app[CRISES] = crises = Crises(
        plan=plan, store=store, clock=clock, outlet=GuardedOutlet(outlet, connector), paging=paging,
        foreground=foreground, leading=lambda: leadership.leader, follow_every=app[FOLLOW_EVERY],
    )
    await crises.load()
    following = asyncio.create_task(crises.follow(), name="opfølgningen på logbogen")
    token = await connector_token(auth, adapter, settings.bot_app_id)
    notifiers = _notifiers(app, ConnectorPoster(app[CONNECTOR_SESSION], token), breakers)
    teams_probe = TeamsProbe(crises=crises, breakers=breakers, clock=clock)
    app[PAGER] = pager = paging.bind(Pager(
        plan=plan, store=store, clock=clock, crises=crises, notifiers=notifiers, outage=breakers.any_open,
        sms_grace=timedelta(seconds=settings.sms_grace), probe=teams_probe.probe, fence=leadership.fence,
    ))
    leadership.lead(pager.run, crises.mirror_all)
    outage.bind(OutageResponse(crises=crises, pager=pager))
    app[SMS_INBOX] = inbox = SmsInbox(plan=plan, store=store, clock=clock, crises=crises, pager=pager, batcher=app[SMS])
    app[CALL_DESK] = CallDesk(plan=plan, store=store, clock=clock, crises=crises, pager=pager)
    app[TEAMS] = TeamsEndpoint(
        auth=auth,
        adapter=adapter,
        bot=KrisebotHandler(
            plan=plan, store=store, clock=clock, crises=crises, situations=situations, exports=app[EXPORTS],
            users=GraphUsers(client) if (client := app[GRAPH]) is not None else None,
        ),
        auth_enabled=settings.auth_enabled,
        tenant_id=settings.bot_tenant_id or plan.organisation.tenant_id or "",
        foreground=foreground,
    )
    refresher = (
        asyncio.create_task(keep_signing_keys_fresh(signing_keys_url(settings)), name="fornyelsen af signaturnøgler")
        if settings.auth_enabled else None
    )
    yield
    await _stopped(*filter(None, (refresher, following)))
    await crises.drain()
    await inbox.drain()


async def _intake(app: web.Application) -> AsyncIterator[None]:
    """Monitoring webhooks, heartbeats and the alarm mailbox, once the crises are running; the leader watches
    the heartbeats and reads the mailbox."""
    app[INTAKE] = intake = build_intake(
        settings=app[SETTINGS], store=app[STORE], clock=app[CLOCK], crises=app[CRISES], graph=app[GRAPH],
        foreground=app[FOREGROUND],
    )
    if intake.watcher is not None:  # on every instance: watching a heartbeat not watched before is idempotent
        await intake.watcher.start()
    app[LEADERSHIP].lead(*leader_loops(intake))
    yield


async def _messages(request: web.Request) -> web.Response:
    return await request.app[TEAMS].handle(request)


async def _alarms(request: web.Request) -> web.Response:
    return await request.app[INTAKE].alarms.handle(request)


async def _heartbeats(request: web.Request) -> web.Response:
    return await request.app[INTAKE].heartbeats.handle(request)


async def _export(request: web.Request) -> web.Response:
    """A crisis's logbog as a file, for a signed link from ``eksport`` in Teams; a PDF is made off the event loop."""
    crisis, fmt = request.match_info["crisis"], request.match_info["fmt"]
    query = request.query
    if not request.app[EXPORTS].valid(crisis, fmt, query.get("expires", ""), query.get("sig", "")):
        return refuse(request, 403, "linket er ugyldigt eller udløbet: skriv «eksport» i Teams igen")
    events = await request.app[STORE].events(crisis_id=crisis)
    if not events:
        return refuse(request, 404, f"krisen {crisis} findes ikke")
    headers = {"Content-Disposition": f'attachment; filename="{crisis}.{fmt}"', "Cache-Control": "no-store"}
    numbering = await request.app[STORE].numbering()
    if fmt != "pdf":
        render = logbog_html if fmt == "html" else logbog_markdown
        text = render(request.app[PLAN], events, numbering=numbering)
        return web.Response(text=text, content_type=FORMATS[fmt], headers=headers)
    page = logbog_html(request.app[PLAN], events, numbering=numbering)
    making = asyncio.to_thread(pdf, page, label=crisis, exported_at=request.app[CLOCK]())
    try:
        body = await asyncio.wait_for(making, request.app[PDF_DEADLINE])
    except PdfUnavailable as exc:
        log.error("export %s: %s", crisis, exc)
        return web.json_response({"error": "PDF kan ikke laves på serveren: hent HTML-udgaven og udskriv den"}, status=503)
    except TimeoutError:
        log.warning("export %s: the PDF took more than %s s", crisis, request.app[PDF_DEADLINE])
        return web.json_response({"error": "PDF'en tog for lang tid at lave: hent HTML-udgaven og udskriv den"}, status=503)
    return web.Response(body=body, content_type=FORMATS[fmt], headers=headers)


async def _healthz(request: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


async def _metrics(request: web.Request) -> web.Response:
    """Prometheus metrics; the durable figures are read from the logbog and the outbox first."""
    metrics = request.app[METRICS]
    await metrics.refresh(request.app[STORE])
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})


async def _readyz(request: web.Request) -> web.Response:
    """Ready to work: the plan is loaded and the logbog can be appended to (503 with the reason if not); and whether
    this instance leads (runs the pager, the heartbeat watcher and the mailbox reader)."""
    try:
        await request.app[STORE].probe()
    except StoreError as exc:
        return web.json_response({"status": "not ready", "database": exc.reason}, status=503)
    plan = request.app[PLAN]
    leader = request.app[LEADERSHIP].leader
    return web.json_response({"status": "ready", "plan": plan.organisation.title, "database": "ok", "leader": leader})
