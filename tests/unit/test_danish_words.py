"""Danish that reads as Danish: no calques of the English *page* in anything a Danish user reads.

Danish emergency services say «alarmering», «alarmeret», «kaldt» and «indkaldt»; «side til»,
«sidet», «sidninger», «paging» and «paget» are English words in Danish spelling.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.render.export import logbog_html, logbog_markdown
from bot.render.texts import TEXTS
from tests.unit.test_export import PLAN, WINTER, crisis

CALQUES = re.compile(r"\b(sidet|side til|sidning(er)?|sider sendes|pag(e|et|ede|ing|es))\b", re.IGNORECASE)
CARDS = sorted((Path(__file__).resolve().parents[2] / "cards").glob("*.json"))


@pytest.mark.parametrize("key", sorted(TEXTS["da"]))
def test_no_danish_sentence_borrows_page(key: str) -> None:
    assert not CALQUES.search(TEXTS["da"][key]), TEXTS["da"][key]


def texts_in(node: Any) -> Iterator[str]:
    """Every string value in a card template or its sample data (keys and ``${…}`` bindings are code)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from texts_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts_in(value)
    elif isinstance(node, str) and not node.startswith("${"):
        yield node


@pytest.mark.parametrize("card", CARDS, ids=lambda path: path.name)
def test_no_card_text_borrows_page(card: Path) -> None:
    texts = list(texts_in(json.loads(card.read_text(encoding="utf-8"))))

    assert texts
    assert [text for text in texts if CALQUES.search(text)] == []


def test_the_exported_logbog_says_alarmeret_not_sidet() -> None:
    events = crisis(WINTER)

    page = re.sub(r"<style>.*?</style>", "", logbog_html(PLAN, events), flags=re.DOTALL)  # CSS has its @page
    for exported in (logbog_markdown(PLAN, events), page):
        assert not CALQUES.search(exported), CALQUES.search(exported)
        assert "Alarmeret Claus Vagn Ohrt" in exported
        assert "Alarmeringer" in exported
