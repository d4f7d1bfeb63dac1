"""Alarm intake, the pure parts: webhook shapes, the plan's label rules, the rate limit, the plan's
``[alarm_intake]``/``[[alarm_rules]]``/``[[heartbeats]]`` and the token setting."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.events import AlarmStatus
from bot.errors import PlanError, SettingsError
from bot.intake.formats import FormatError, parse
from bot.intake.limits import RateLimiter
from bot.intake.mailbox import listed
from bot.intake.rules import classify, sender_labels
from bot.plan import load_plan
from bot.resources import default_plan_path
from bot.settings import load_settings
from tests.clock import Clock
from tests.plans import MINIMAL_PLAN, write_plan
from tests.protocol.alarms import alertmanager, generic, grafana

PLAN = load_plan(default_plan_path())


def test_alertmanager_alerts_keep_fingerprint_labels_and_status() -> None:
    [alert] = parse(json.dumps(alertmanager("resolved")).encode())
    assert (alert.system, alert.key, alert.status) == ("Alertmanager", "alertmanager:1a30ba71cca2921f", AlarmStatus.RESOLVED)
    assert alert.title == "ExchangeOnlineDown – Mail og kalender svarer ikke"
    assert alert.labels["service"] == "o365"


def test_grafana_is_told_from_alertmanager_by_its_org_id() -> None:
    alerts = parse(json.dumps(grafana()).encode())
    assert [a.key for a in alerts] == ["grafana:c6eadffa33fcdf37", "grafana:bc97ff14869b13e3"]


def test_generic_alarms_without_a_fingerprint_get_a_stable_one() -> None:
    first, second = (parse(json.dumps(generic()).encode())[0] for _ in range(2))
    other = parse(json.dumps(generic(title="Noget andet")).encode())[0]
    assert first.key == second.key != other.key
    assert first.deliveries == ("lonudbetaling",) and first.system == "KMD Opus"


def test_a_typo_in_the_generic_format_is_refused() -> None:
    with pytest.raises(FormatError, match="deliverys: ukendt felt"):
        parse(json.dumps({"title": "x", "deliverys": ["o365"]}).encode())


def test_rules_map_labels_to_deliveries_and_sources() -> None:
    assert classify(PLAN, {"service": "o365", "job": "x"}, default_source="overvaagning") == ("overvaagning", ("o365",))
    assert classify(PLAN, {"service": "ukendt"}, default_source="overvaagning") == ("overvaagning", ())
    assert classify(PLAN, sender_labels("Varsling@CFCS.dk"), default_source="leverandoerer") == ("cfcs", ())
    assert classify(PLAN, {"service": "print"}, default_source="x", deliveries=["o365"]) == ("x", ("o365", "perifert-it-udstyr"))


def test_listed_senders_are_addresses_or_domains() -> None:
    senders = ["@cfcs.dk", "servicedesk@leverandor.dk"]
    assert listed("Varsling@CFCS.dk", senders) and listed("servicedesk@leverandor.dk", senders)
    assert not listed("servicedesk@leverandor.dk.evil.org", senders) and not listed("ond@leverandor.dk", senders)


def test_the_rate_limit_refills_with_time_and_logs_a_flood_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    limiter = RateLimiter(rate=60, clock=clock)
    assert all(limiter.take("Alertmanager") for _ in range(60))
    assert not limiter.take("Alertmanager") and not limiter.take("Alertmanager")
    assert limiter.take("Grafana")
    assert limiter.retry_after("Alertmanager") == 1
    clock.now += timedelta(seconds=1)
    assert limiter.take("Alertmanager") and not limiter.take("Alertmanager")
    assert len([r for r in caplog.records if "begrænses" in r.getMessage()]) == 2  # a new flood after one got through


def test_many_made_up_sources_meet_the_overall_limit(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    limiter = RateLimiter(rate=10, clock=clock, total=25)
    passed = [limiter.take(f"kilde-{n}") for n in range(30)]  # a sender can name any source it likes

    assert passed == [True] * 25 + [False] * 5
    assert limiter.reason("kilde-29") == "for mange alarmer i alt (over 25 i minuttet): send igen senere"
    assert limiter.retry_after("kilde-29") == 3  # one alarm's worth of 25 a minute
    assert len([r for r in caplog.records if "fra alle kilder" in r.getMessage()]) == 1
    clock.now += timedelta(seconds=3)
    assert limiter.take("kilde-29") and not limiter.take("kilde-30")


def test_the_overall_limit_is_five_sources_worth_by_default_and_a_source_keeps_its_own() -> None:
    limiter = RateLimiter(rate=2, clock=Clock())
    assert [limiter.take("Alertmanager") for _ in range(3)] == [True, True, False]
    assert limiter.reason("Alertmanager") == "for mange alarmer fra denne kilde: send igen senere"
    assert [limiter.take(f"kilde-{n}") for n in range(9)] == [True] * 8 + [False]


def test_an_hourly_limit_gives_one_more_alarm_each_share_of_the_hour_and_names_the_source_as_told(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    limiter = RateLimiter(rate=3, total=10, period=timedelta(hours=1), clock=clock, shown=lambda n: f"…{n[-2:]}")
    assert [limiter.take("+4520998877") for _ in range(4)] == [True, True, True, False]
    assert limiter.retry_after("+4520998877") == 20 * 60
    assert "alarmer fra …77 begrænses: over 3 i timen" in caplog.text and "20998877" not in caplog.text
    clock.now += timedelta(minutes=20)
    assert limiter.take("+4520998877") and not limiter.take("+4520998877")
    assert [limiter.take(f"+45209988{n:02d}") for n in range(10)] == [True] * 9 + [False]
    assert limiter.reason("+4520998800") == "for mange alarmer i alt (over 10 i timen): send igen senere"


def test_a_source_name_with_control_characters_is_logged_escaped(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter(rate=1, clock=Clock())
    source = "ond\n2026-11-28 INFO krisebot: alt er fint\x1b[2J"
    limiter.take(source)
    limiter.take(source)

    [warning] = [r.getMessage() for r in caplog.records if "begrænses" in r.getMessage()]
    assert "\n" not in warning and "\x1b" not in warning
    assert "ond\\x0a2026-11-28 INFO krisebot: alt er fint\\x1b[2J" in warning


def test_alarm_tokens_are_comma_separated_and_never_printed() -> None:
    settings = load_settings(_env_file=None, alarm_token=" gammelt , nyt ,")
    assert settings.alarm_tokens == ["gammelt", "nyt"]
    assert "gammelt" not in repr(settings)


INTAKE = """
[alarm_intake]
monitoring_source = "brugere"
mail_source = "brugere"

[[alarm_rules]]
match = { service = "mail" }
deliveries = ["mail"]

[[heartbeats]]
id = "zabbix"
description = "Zabbix"
interval = "5m"
"""

BROKEN = {
    "unknown-rule-delivery": ('deliveries = ["mail"]', 'deliveries = ["vand"]', "alarm_rules[1].deliveries[1]", "ukendt leverance 'vand'"),
    "unknown-source": ('mail_source = "brugere"', 'mail_source = "cfcs"', "alarm_intake.mail_source", "ukendt alarmkilde 'cfcs'"),
    "empty-rule": ('deliveries = ["mail"]', "", "alarm_rules[1]", "deliveries eller source"),
    "empty-match": ('match = { service = "mail" }', "match = {}", "alarm_rules[1].match", "mindst 1"),
    "bad-interval": ('interval = "5m"', 'interval = "5 min"', "heartbeats[zabbix].interval", "ugyldig varighed"),
    "heartbeat-without-description": ('description = "Zabbix"\n', "", "heartbeats[zabbix].description", "mangler"),
    "no-intake-section": ('[alarm_intake]\nmonitoring_source = "brugere"\nmail_source = "brugere"\n', "", "alarm_intake", "kræver"),
}


@pytest.mark.parametrize(("old", "new", "field", "message"), list(BROKEN.values()), ids=list(BROKEN))
def test_broken_intake_names_the_field(tmp_path: Path, old: str, new: str, field: str, message: str) -> None:
    assert INTAKE.count(old) == 1
    with pytest.raises(PlanError) as caught:
        load_plan(write_plan(tmp_path, MINIMAL_PLAN + INTAKE.replace(old, new)))
    assert any(f == field and message in m for f, m in caught.value.problems), caught.value.problems


def test_a_plan_without_intake_still_loads(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, MINIMAL_PLAN))
    assert (plan.alarm_intake, plan.alarm_rules, plan.heartbeats) == (None, [], [])
    assert load_plan(write_plan(tmp_path, MINIMAL_PLAN + INTAKE)).heartbeats[0].grace == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("settings", "setting", "problem"),
    [
        ({"alarm_mailbox": "it-alarm@struer.dk", "alarm_mail_senders": "@cfcs.dk"}, "KRISEBOT_ALARM_MAILBOX", "GRAPH"),
        (
            {"alarm_mailbox": "it-alarm@struer.dk", "graph_managed_identity_client_id": "mi"},
            "KRISEBOT_ALARM_MAIL_SENDERS", "kræves",
        ),
        ({"alarm_mailbox": "it-alarm", "graph_managed_identity_client_id": "mi"}, "KRISEBOT_ALARM_MAILBOX", "UPN"),
        ({"alarm_rate_limit": "0"}, "KRISEBOT_ALARM_RATE_LIMIT", "mindst 1"),
    ],
    ids=["mailbox-without-graph", "mailbox-without-senders", "mailbox-not-an-address", "zero-rate"],
)
def test_alarm_settings_that_cannot_work_stop_start_up(settings: dict, setting: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, **settings)
    assert caught.value.setting == setting and problem in caught.value.problem
