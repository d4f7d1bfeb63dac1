"""The alarm intake as the app runs it: the two endpoints, the heartbeat watcher and the mailbox reader.

``build_intake`` wires them to the crises; ``leader_loops`` are the watcher (with an alarm token) and
the reader (with a mailbox and Graph), which only the leading instance runs (``bot.leadership``).
"""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from msgraph import GraphServiceClient

from ..clock import Clock
from ..engine.crises import Crises
from ..engine.foreground import Foreground
from ..settings import Settings
from ..store import Monitoring
from .alarms import AlarmEndpoint
from .heartbeats import HeartbeatEndpoint, HeartbeatWatcher
from .limits import RateLimiter
from .mailbox import MailboxReader
from .receiver import AlarmReceiver


@dataclass(frozen=True)
class Intake:
    alarms: AlarmEndpoint
    heartbeats: HeartbeatEndpoint
    watcher: HeartbeatWatcher | None
    mailbox: MailboxReader | None


def build_intake(
    *, settings: Settings, store: Monitoring, clock: Clock, crises: Crises, graph: GraphServiceClient | None,
    foreground: Foreground,
) -> Intake:
    """The intake for the plan of ``crises``; without ``[alarm_intake]`` in the plan the endpoints refuse."""
    plan, tokens = crises.plan, settings.alarm_tokens
    receiver = AlarmReceiver(crises=crises)
    limiter = RateLimiter(rate=settings.alarm_rate_limit, clock=clock)
    intake = plan.alarm_intake
    watcher = mailbox = None
    if intake is not None and tokens:  # without a token no beat can arrive: watching would only raise false alarms
        watcher = HeartbeatWatcher(
            plan=plan, store=store, clock=clock, receiver=receiver, source=intake.monitoring_source
        )
        if settings.alarm_mailbox and graph is not None:
            mailbox = MailboxReader(
                client=graph, plan=plan, store=store, clock=clock, receiver=receiver, mailbox=settings.alarm_mailbox,
                senders=settings.alarm_senders, source=intake.mail_source, interval=settings.alarm_mailbox_interval,
            )
    return Intake(
        alarms=AlarmEndpoint(plan=plan, tokens=tokens, receiver=receiver, limiter=limiter, foreground=foreground),
        heartbeats=HeartbeatEndpoint(
            tokens=tokens, watcher=watcher, names=frozenset(b.id for b in plan.heartbeats), foreground=foreground
        ),
        watcher=watcher,
        mailbox=mailbox,
    )


def leader_loops(intake: Intake) -> list[Callable[[], Coroutine[Any, Any, None]]]:
    """The intake's loops, each forever: the heartbeat watcher and the mailbox reader, those of them set up (the
    watcher started). Two instances running them would raise each alarm twice."""
    return [reader.run for reader in (intake.watcher, intake.mailbox) if reader is not None]
