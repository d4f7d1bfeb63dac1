"""Every card template opens in the Designer with its sample data, and every rendered card is valid 1.5."""

import json
import re

import pytest

from bot.core.text_commands import COMMANDS
from bot.plan import load_plan
from bot.render.cards import help_card, render, roles_card
from bot.render.texts import TEXTS
from bot.resources import bundled, default_plan_path
from tests.markdown import links
from tests.schemas import assert_valid_card

TEMPLATES = sorted(p.stem for p in bundled("cards").glob("*.json") if not p.name.endswith(".data.json"))


def test_every_template_has_sample_data() -> None:
    assert TEMPLATES
    for name in TEMPLATES:
        assert (bundled("cards") / f"{name}.data.json").is_file(), f"cards/{name}.data.json is missing"


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_with_its_sample_data_is_a_valid_card(name: str) -> None:
    sample = json.loads((bundled("cards") / f"{name}.data.json").read_text(encoding="utf-8"))

    assert_valid_card(render(name, sample))


@pytest.mark.parametrize("lang", ["da", "en"])
def test_cards_for_the_bundled_plan_are_valid(lang: str) -> None:
    plan = load_plan(default_plan_path())

    for card in (help_card(plan, lang), roles_card(plan, lang)):
        assert_valid_card(card)


def test_help_card_lists_exactly_the_registered_commands() -> None:
    card = help_card(load_plan(default_plan_path()), "da")

    assert [fact["title"] for fact in card["body"][2]["facts"]] == [c.name.value for c in COMMANDS]


def test_roles_card_lists_every_holder_of_every_role_in_paging_order() -> None:
    plan = load_plan(default_plan_path())
    card = roles_card(plan, "da")

    containers = [item for item in card["body"] if item["type"] == "Container"][: len(plan.roles)]
    for role, container in zip(plan.roles, containers, strict=True):
        holders = [block["text"] for block in container["items"][2:]]
        names = [plan.person_by_id[p].name for p in role.chain]
        assert [next(n for n in names if n in text) for text in holders] == names


def test_danish_and_english_say_the_same_things() -> None:
    assert TEXTS["da"].keys() == TEXTS["en"].keys()


def test_roles_card_phone_numbers_stay_tappable_links() -> None:
    card = roles_card(load_plan(default_plan_path()), "da")
    texts = [block["text"] for container in card["body"] if container["type"] == "Container" for block in container["items"]]

    targets = [target for text in texts for target in links(text)]
    assert targets and all(re.fullmatch(r"tel:\+?\d+", target) for target in targets)
    assert "[29 25 65 11](tel:+4529256511) (mobil)" in "\n".join(texts)
