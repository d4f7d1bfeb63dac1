"""The webhook formats ``POST /api/alarms`` accepts, told apart by shape, and the ``Alert`` they become.

- Prometheus Alertmanager webhook, ``"version": "4"`` with ``alerts`` (and no ``orgId``);
- Grafana unified alerting webhook: ``alerts`` with ``orgId``;
- the generic JSON of ``docs/alarms.md``: one alert, ``title`` at the top level.

``parse`` raises ``FormatError`` with a Danish reason for anything else (JSON nested too deep
for the parser too). Pure.
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.events import AlarmStatus
from ..json_body import TOO_DEEP_REASON, BadJson, parse_json
from ..validation import danish, field_path

MAX_ALERTS = 1000
M = TypeVar("M", bound="BaseModel")
TEXT_LIMIT = 1000
"""Characters kept of each free text of an alert (the logbog takes 4000 in all)."""


class FormatError(ValueError):
    """The body is not an alarm Krisebot understands; ``reason`` says why, in Danish."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert, whatever format it came in. ``key`` identifies it across repeats (dedupe)."""

    system: str
    fingerprint: str
    status: AlarmStatus
    title: str
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    deliveries: tuple[str, ...] = ()
    link: str = ""

    @property
    def key(self) -> str:
        return f"{self.system.casefold()}:{self.fingerprint}"

    @property
    def summary(self) -> str:
        """``Alertmanager: ProbeFailure – BlackBox Probe Failure``: what the logbog says about a repeat."""
        return f"{self.system}: {self.title}"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _PrometheusAlert(_Lenient):
    """An alert as Alertmanager and Grafana send it (Grafana adds fields we do not need)."""

    status: AlarmStatus
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    generatorURL: str = ""
    fingerprint: str = ""


class _AlertmanagerBody(_Lenient):
    version: str
    status: AlarmStatus
    alerts: list[_PrometheusAlert]


class _GrafanaBody(_Lenient):
    orgId: int
    status: AlarmStatus
    alerts: list[_PrometheusAlert]


class _GenericBody(BaseModel):
    """The generic format (``docs/alarms.md``); unknown fields are refused so typos are seen."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TEXT_LIMIT)
    description: str = Field(default="", max_length=4000)
    source: str = Field(default="Generisk", min_length=1, max_length=60)
    deliveries: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=50)
    severity: str = Field(default="", max_length=40)
    fingerprint: str = Field(default="", max_length=200)
    status: AlarmStatus = AlarmStatus.FIRING
    labels: dict[str, str] = {}
    link: str = Field(default="", max_length=2000)


def parse(body: bytes) -> list[Alert]:
    """The alerts in a webhook body; FormatError if it is not JSON, not a known shape, or too many alerts."""
    try:
        data = parse_json(body)
    except BadJson as exc:
        raise FormatError(TOO_DEEP_REASON if exc.too_deep else "ugyldig JSON") from None
    if not isinstance(data, dict):
        raise FormatError("kroppen skal være et JSON-objekt")
    alerts = data.get("alerts")
    if isinstance(alerts, list) and len(alerts) > MAX_ALERTS:
        raise FormatError(f"{len(alerts)} alarmer i én forespørgsel; højst {MAX_ALERTS}")
    if isinstance(alerts, list) and "orgId" in data:
        return [_prometheus("Grafana", alert) for alert in _validated(_GrafanaBody, data).alerts]
    if isinstance(alerts, list) and data.get("version") == "4":
        return [_prometheus("Alertmanager", alert) for alert in _validated(_AlertmanagerBody, data).alerts]
    if "title" in data and alerts is None:
        return [_generic(_validated(_GenericBody, data))]
    raise FormatError("ukendt format: forventede Alertmanager (version 4), Grafana eller generisk JSON med title")


def _validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise FormatError(f"{field_path(error['loc']) or 'kroppen'}: {danish(error)}") from None


def _prometheus(system: str, alert: _PrometheusAlert) -> Alert:
    labels, notes = alert.labels, alert.annotations
    name = labels.get("alertname", "alarm")
    summary = notes.get("summary", "")
    return Alert(
        system=system,
        fingerprint=alert.fingerprint or _hash(sorted(labels.items())),
        status=alert.status,
        title=_clip(f"{name} – {summary}" if summary else name),
        description=_clip(notes.get("description", "")),
        labels=dict(labels),
        link=alert.generatorURL,
    )


def _generic(body: _GenericBody) -> Alert:
    severity = f"Alvorlighed: {body.severity}" if body.severity else ""
    return Alert(
        system=" ".join(body.source.split()),
        fingerprint=body.fingerprint or _hash([body.title, *sorted(body.labels.items())]),
        status=body.status,
        title=_clip(body.title),
        description=_clip("\n".join(part for part in (body.description, severity) if part)),
        labels=dict(body.labels),
        deliveries=tuple(dict.fromkeys(body.deliveries)),
        link=body.link,
    )


def _hash(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"
