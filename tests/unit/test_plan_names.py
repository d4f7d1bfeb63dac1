"""Names in alarms match the bundled plan's deliveries and sources by id or name, however they are spelt."""

import pytest

from bot.plan import Plan, load_plan
from bot.resources import default_plan_path


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


@pytest.mark.parametrize(
    ("name", "delivery"),
    [
        ("O365", "o365"), ("o365", "o365"), (" o 365 ", "o365"),
        ("Lønudbetaling", "lonudbetaling"), ("lonudbetaling", "lonudbetaling"), ("LØNUDBETALING", "lonudbetaling"),
        ("loenudbetaling", "lonudbetaling"), ("Perifært IT-udstyr", "perifert-it-udstyr"),
        ("perifaert it udstyr", "perifert-it-udstyr"), ("it_udstyr", "it-udstyr"),
    ],
)
def test_a_delivery_is_found_by_its_id_or_its_name_however_spelt(plan: Plan, name: str, delivery: str) -> None:
    found = plan.delivery_named(name)
    assert found is not None and found.id == delivery


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("DPO", "dpo"), ("Overvågningssystemer", "overvaagning"), ("overvaagning", "overvaagning"),
        ("overvagningssystemer", "overvaagning"), ("Leverandorer af kritiske systemer", "leverandoerer"),
        ("center for cyber sikkerhed", "cfcs"), ("CFCS", "cfcs"),
    ],
)
def test_an_alarm_source_is_found_by_its_id_or_its_name_however_spelt(plan: Plan, name: str, source: str) -> None:
    found = plan.source_named(name)
    assert found is not None and found.id == source


@pytest.mark.parametrize("name", ["Vandforsyning", "O366", "", "–", "IT"])
def test_a_name_the_plan_does_not_know_matches_nothing(plan: Plan, name: str) -> None:
    assert plan.delivery_named(name) is None and plan.source_named(name) is None


@pytest.mark.parametrize(
    ("text", "deliveries"),
    [
        ("O365 er nede", ("o365",)),
        ("lonudbetaling og straksudbetaling fejler", ("lonudbetaling", "straksudbetaling")),
        ("Perifært IT-udstyr: printerne på rådhuset er nede", ("perifert-it-udstyr",)),
        ("Hjemmesiden er nede", ()),
        ("Brand i kælderen", ()),
    ],
)
def test_the_deliveries_a_free_text_names(plan: Plan, text: str, deliveries: tuple[str, ...]) -> None:
    assert plan.deliveries_mentioned(text) == deliveries
