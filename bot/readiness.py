"""The readiness report of ``krisebot check``: can this plan and these settings page everyone?

``assess`` is pure: it reads the plan, the settings and which people are linked to Teams,
and lists findings. An error means the service must not run like this; a warning means some
paging would fail; notes are what is configured (among them, per external participant, whether
Krisebot can summon it or it is called by hand).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from .channels.base import ChannelPolicy
from .channels.sms.notifier import SmsNotifier
from .channels.voice.policy import voice_policy
from .plan.contact import Channel
from .plan.durations import format_duration
from .plan.models import ExternalParticipant, Person, Plan, Recipient, Role
from .render.names import channel_name
from .render.texts import say
from .settings import Settings, SmsProvider, VoiceProvider


PRODUCTION_PYTHON = (3, 12)
"""The oldest Python production runs on (docs/deploy.md): on 3.11 hostile requests slow the answers to everyone else
more than twice as much (docs/benchmarks.md, «Hostile requests»)."""


@dataclass
class Report:
    """Findings in reading order. ``errors`` must be fixed before serving; ``warnings`` block paging;
    ``notes`` are for information."""

    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.warnings and not self.errors

    def lines(self) -> list[str]:
        if self.errors:
            status = f"FEJL: {len(self.errors)} fejl der skal rettes, før tjenesten kører"
        elif self.warnings:
            status = f"IKKE KLAR: {len(self.warnings)} advarsel(er) der hindrer alarmering"
        else:
            status = "KLAR: alle kan nås"
        return [
            *(f"  ✓ {note}" for note in self.notes),
            *(f"  ✗ {error}" for error in self.errors),
            *(f"  ! {warning}" for warning in self.warnings),
            status,
        ]


def assess(
    plan: Plan, settings: Settings, *, linked_person_ids: set[str], python: tuple[int, int], entra: Sequence[str] = ()
) -> Report:
    """Every finding about ``plan`` and ``settings`` (and ``entra``'s, from Graph) for a service on Python ``python``
    (major, minor); see ``Report``."""
    report = Report(warnings=list(entra))
    report.notes.append(
        f"Plan: {plan.organisation.title} ({len(plan.people)} personer, {len(plan.roles)} roller, "
        f"{len(plan.management)} i den øvrige ledelse, {len(plan.deliveries)} kritiske leverancer)"
    )
    report.notes.append(_python(python))
    calls = voice_policy(settings.voice_calls_per_second) if plan.contact_procedure.channels.uses(Channel.VOICE) else None
    _channels(settings, report)
    _voice(settings, calls is not None, report)
    _intake(plan, settings, report)
    linked = {person.id for person in plan.people if person.entra_object_id} | linked_person_ids
    for role in plan.roles:
        if not role.deputies:
            report.warnings.append(f"Rollen «{role.name}» har ingen stedfortræder")
        _reach(plan, settings, role, linked, calls, report)
    for person in plan.people:
        roles = ", ".join(role.name for role in plan.roles_of(person.id)) or "ingen rolle"
        if person.mobile is None:
            report.warnings.append(f"{person.name} ({roles}) har intet mobilnummer og {_sms_or_call(person, calls)}")
        if not person.entra_object_id and person.id not in linked_person_ids:
            report.warnings.append(
                f"{person.name} er endnu ikke koblet til en Teams-bruger (skriv til botten i Teams, "
                "eller sæt entra_object_id i planen)"
            )
    report.notes += [_summons(external, calls) for external in plan.external_participants]
    return report


def _python(version: tuple[int, int]) -> str:
    shown = ".".join(map(str, version))
    if version >= PRODUCTION_PYTHON:
        return f"Python {shown}"
    wanted = ".".join(map(str, PRODUCTION_PYTHON))
    return (
        f"Python {shown}: Krisebot kører, men brug Python {wanted} eller nyere i drift. På {shown} svarer tjenesten "
        "alle langsommere, når nogen angriber den med falske eller ødelagte forespørgsler (se docs/deploy.md)"
    )


def _summons(external: ExternalParticipant, calls: ChannelPolicy | None) -> str:
    """Can Krisebot summon the external participant, and how; else why it is called by hand."""
    if external.summon and external.mobile is not None:
        ways = f"sms og opkald ({_phones(external, calls)})" if calls else "sms (planen ringer ikke op)"
        return f"Ekstern deltager {external.name}: Krisebot kan indkalde på {ways}, mobil {external.mobile.display()}"
    why = "planen siger ikke summon = true" if external.mobile else "planen har intet mobilnummer og siger ikke summon = true"
    return f"Ekstern deltager {external.name}: ringes op manuelt, Krisebot kan ikke indkalde ({why})"


def _channels(settings: Settings, report: Report) -> None:
    if settings.bot_app_id:
        report.notes.append(f"Teams: bot {settings.bot_app_id} ({settings.bot_app_type}), godkendelse slået til")
    else:
        report.warnings.append(
            "Teams: KRISEBOT_BOT_APP_ID er ikke sat: kun lokal afprøvning (Agents Playground), ingen godkendelse"
        )
    if settings.graph_client_id:
        report.notes.append(f"Microsoft Graph: app {settings.graph_client_id} i tenant {settings.graph_tenant_id}")
    else:
        report.notes.append("Microsoft Graph: ikke sat op (aktivitetsfeed og mail bruges ikke)")
    if settings.sms_provider is SmsProvider.CONSOLE:
        _console(settings, report, "SMS", "SMS_PROVIDER", "gatewayapi eller twilio", "sender ingen sms'er")
    else:
        report.notes.append(f"SMS: {settings.sms_provider} med afsender {settings.sms_sender}")


def _console(settings: Settings, report: Report, channel: str, setting: str, choices: str, does: str) -> None:
    """A console provider: an error on a public service (it answers nobody there), else a warning."""
    if settings.public_url is not None:
        report.errors.append(
            f"{channel}: console-udbyderen er kun til lokal afprøvning, men KRISEBOT_PUBLIC_URL er sat: "
            f"sæt KRISEBOT_{setting} til {choices}"
        )
    else:
        report.warnings.append(f"{channel}: console-udbyderen {does}: sæt KRISEBOT_{setting}")


def _voice(settings: Settings, calls: bool, report: Report) -> None:
    if not calls:
        report.notes.append("Opkald: planen ringer ikke op («voice» står ikke i [contact_procedure.channels])")
    elif settings.voice_provider is VoiceProvider.CONSOLE:
        does = f"ringer ikke op, opkaldene skrives kun i {settings.voice_console_path}"
        _console(settings, report, "Opkald", "VOICE_PROVIDER", "twilio eller vonage", does)
    else:
        backup = settings.voice_backup_provider
        report.notes.append(
            f"Opkald: {settings.voice_provider} ringer op fra {settings.voice_caller_id}, "
            + (f"med {backup} som reserve" if backup else "uden reserve (KRISEBOT_VOICE_BACKUP_PROVIDER)")
            + f", højst {settings.voice_calls_per_second:g} opkald i sekundet"
        )


OUTSIDE_OFFICE_365 = (Channel.SMS, Channel.VOICE)
"""The channels that still work when Office 365 is down: their providers are not Microsoft's."""
GRAPH_CHANNELS = (Channel.FEED, Channel.MAIL)
"""The channels that go through Microsoft Graph: not used (and not reported) without it."""


def _reach(
    plan: Plan, settings: Settings, role: Role, linked: set[str], calls: ChannelPolicy | None, report: Report
) -> None:
    """A note naming, for every channel the plan uses (in its contact order), the role's holders it reaches now; a warning when no
    holder can be reached outside Office 365 (by SMS or a call), where a crisis about Office 365 leaves the role."""
    holders = [plan.person_by_id[person_id] for person_id in role.chain]
    contacts = plan.contact_procedure.channels
    used = [
        channel for channel in dict.fromkeys([*contacts.order.first, *contacts.order.then, *Channel])
        if contacts.uses(channel) and (settings.graph_client_id or channel not in GRAPH_CHANNELS)
    ]
    reached = {channel: [p for p in holders if _reaches(channel, p, settings, linked, calls)] for channel in used}
    parts = []
    for channel, people in reached.items():
        names = ", ".join(
            f"{person.name} ({_phones(person, calls)})" if channel is Channel.VOICE and calls else person.name
            for person in people
        )
        parts.append(f"{channel_name(channel)}: {names or 'ingen'}")
    report.notes.append(f"{role.name}: {'; '.join(parts)}")
    if not any(reached.get(channel) for channel in OUTSIDE_OFFICE_365):
        outside = " eller ".join(channel_name(channel) for channel in OUTSIDE_OFFICE_365 if channel in reached)
        names = ", ".join(person.name for person in holders)
        why = f"ingen af {names} kan nås på {outside}" if outside else "planen bruger hverken sms eller opkald"
        report.warnings.append(f"Rollen «{role.name}» kan ikke nås uden for Office 365: {why}")


def _reaches(channel: Channel, person: Person, settings: Settings, linked: set[str], calls: ChannelPolicy | None) -> bool:
    """Does ``channel``, as this service is set up, reach ``person`` now?"""
    match channel:
        case Channel.TEAMS:
            return person.id in linked
        case Channel.FEED | Channel.MAIL:
            return True  # with Graph set up: every person has a work address (``_reach`` leaves them out without it)
        case Channel.SMS:
            return SmsNotifier.policy.reaches(person)
        case Channel.VOICE:
            return calls is not None and calls.reaches(person)


def _phones(person: Recipient, calls: ChannelPolicy) -> str:
    """``mobil``, ``fastnet``, ``mobil og fastnet``: what a call to ``person`` rings, in the order it tries."""
    kinds = dict.fromkeys(say("da", f"phone.{phone.kind.value}") for phone in calls.phones_of(person))
    return " og ".join(kinds)


def _sms_or_call(person: Person, calls: ChannelPolicy | None) -> str:
    """The end of the warning about a person without a mobile: can a call still reach them?"""
    if calls is None:
        return "kan ikke nås på sms, og planen ringer ikke op"
    if calls.reaches(person):
        return f"kan ikke nås på sms, men kan ringes op på {_phones(person, calls)}"
    return "kan hverken nås på sms eller ringes op"


def _intake(plan: Plan, settings: Settings, report: Report) -> None:
    if plan.alarm_intake is None:
        report.notes.append("Alarmer fra maskiner: planen har intet [alarm_intake] (kun alarmformularen i Teams)")
        return
    beats = ", ".join(f"{beat.id} hvert {format_duration(beat.interval)}" for beat in plan.heartbeats) or "ingen i planen"
    if settings.alarm_tokens:
        report.notes.append(
            f"Alarmer fra overvågning: POST /api/alarms og /api/heartbeats tager imod "
            f"({len(settings.alarm_tokens)} token); livstegn: {beats}"
        )
    elif plan.heartbeats:
        report.warnings.append(
            f"Livstegn ({beats}) overvåges ikke og /api/alarms er lukket: sæt KRISEBOT_ALARM_TOKEN"
        )
    else:
        report.notes.append("Alarmer fra overvågning: slået fra (KRISEBOT_ALARM_TOKEN er ikke sat)")
    if settings.alarm_mailbox:  # settings refuse a mailbox without Graph
        report.notes.append(
            f"Alarmpostkasse: {settings.alarm_mailbox}, læses hvert {settings.alarm_mailbox_interval} s, "
            f"fra {', '.join(settings.alarm_senders)}"
        )
