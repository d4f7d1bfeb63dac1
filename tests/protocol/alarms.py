"""Webhook bodies as monitoring systems send them, and a helper to post them (test helpers).

The Alertmanager body is the version 4 payload of Alertmanager's ``webhook_config``; the
Grafana body is the example of Grafana's webhook notifier documentation (unified alerting).
"""

import copy
from typing import Any

TOKEN = "alarm-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

_ALERTMANAGER = {
    "receiver": "krisebot",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "ExchangeOnlineDown", "instance": "outlook.office365.com", "job": "blackbox",
                "service": "o365", "severity": "critical",
            },
            "annotations": {
                "description": "outlook.office365.com har ikke svaret i 5 minutter.",
                "summary": "Mail og kalender svarer ikke",
            },
            "startsAt": "2026-11-28T06:58:45.828Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.struer.local:9090/graph?g0.expr=probe_success+%3D%3D+0",
            "fingerprint": "1a30ba71cca2921f",
        }
    ],
    "groupLabels": {"alertname": "ExchangeOnlineDown"},
    "commonLabels": {"alertname": "ExchangeOnlineDown", "service": "o365", "severity": "critical"},
    "commonAnnotations": {"summary": "Mail og kalender svarer ikke"},
    "externalURL": "http://alertmanager.struer.local:9093",
    "version": "4",
    "groupKey": '{}/{severity="critical"}:{alertname="ExchangeOnlineDown"}',
    "truncatedAlerts": 0,
}

_GRAFANA = {
    "receiver": "My Super Webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
        {
            "status": "firing",
            "labels": {"alertname": "High CPU usage", "team": "blue", "zone": "eu-1", "service": "servere"},
            "annotations": {
                "description": "The system has high CPU usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone eu-1",
            },
            "startsAt": "2021-10-12T09:56:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": '{}:{}',
    "truncatedAlerts": 0,
    "title": "[FIRING:2]  (blue)",
    "state": "alerting",
    "message": "**Firing**\n\nLabels:\n - alertname = T2\n",
}


def alertmanager(status: str = "firing", **labels: str) -> dict[str, Any]:
    """Alertmanager's version 4 body with one alert, in ``status``, its labels changed by ``labels``."""
    body = copy.deepcopy(_ALERTMANAGER)
    body["status"] = body["alerts"][0]["status"] = status
    body["alerts"][0]["labels"].update(labels)
    if status == "resolved":
        body["alerts"][0]["endsAt"] = "2026-11-28T07:20:00Z"
    return body


def grafana() -> dict[str, Any]:
    return copy.deepcopy(_GRAFANA)


def generic(**fields: Any) -> dict[str, Any]:
    return {"title": "Lønkørslen er stoppet", "source": "KMD Opus", "deliveries": ["lonudbetaling"], **fields}


async def post_alarm(bot, body: Any, *, headers: dict[str, str] | None = None, raw: bytes | None = None):
    """POST /api/alarms with the token unless ``headers`` say otherwise."""
    headers = AUTH if headers is None else headers
    if raw is not None:
        return await bot.client.post("/api/alarms", data=raw, headers={"Content-Type": "application/json", **headers})
    return await bot.client.post("/api/alarms", json=body, headers=headers)
