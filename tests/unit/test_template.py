"""The Adaptive Cards templating subset in ``bot.render.template``."""

import copy
from typing import Any

import pytest

from bot.render.plain import Markup
from bot.render.template import TemplateError, expand

DATA: dict[str, Any] = {
    "crisis": {"id": 7, "title": "Oversvømmelse", "active": True, "eta": None, "level": 2.0},
    "items": [{"name": "Pumper", "count": 3}, {"name": "Sandsække", "count": 0}],
    "options": ["ja", "nej"],
    "empty": [],
    "zero": 0,
    "blank": "",
    "flag": False,
    "eta": "14:30",
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("${crisis.id}", 7, id="int"),
        pytest.param("${crisis.level}", 2.0, id="float"),
        pytest.param("${crisis.active}", True, id="bool"),
        pytest.param("${crisis.eta}", None, id="null"),
        pytest.param("${options}", ["ja", "nej"], id="list"),
        pytest.param("${items[0]}", {"name": "Pumper", "count": 3}, id="dict"),
        pytest.param("${ crisis.title }", "Oversvømmelse", id="spaces-inside"),
        pytest.param("${'}'}", "}", id="brace-in-literal"),
    ],
)
def test_single_binding_keeps_its_json_type(template: str, expected: Any) -> None:
    assert expand(template, DATA) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("Krise ${crisis.id}: ${crisis.title}", "Krise 7: Oversvømmelse", id="text"),
        pytest.param("${crisis.id}${crisis.id}", "77", id="two-bindings"),
        pytest.param("${crisis.id} ", "7 ", id="binding-and-space"),
        pytest.param("aktiv=${crisis.active}, flag=${flag}", "aktiv=true, flag=false", id="bools"),
        pytest.param("eta: ${crisis.eta}.", "eta: .", id="null-is-empty"),
        pytest.param("niveau ${crisis.level}", "niveau 2", id="integral-float"),
        pytest.param("${options}!", '["ja","nej"]!', id="list-as-json"),
        pytest.param("ingen bindinger, $ alene", "ingen bindinger, $ alene", id="no-binding"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mixed_text_interpolates(template: str, expected: str) -> None:
    assert expand(template, DATA) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("${crisis.title}", "Oversvømmelse", id="dots"),
        pytest.param("${items[1].name}", "Sandsække", id="index-then-name"),
        pytest.param("${items[1].count}", 0, id="zero-value"),
        pytest.param("${$root.crisis.id}", 7, id="root"),
        pytest.param("${$data.eta}", "14:30", id="data-at-top-is-root"),
        pytest.param("${$root.options[1]}", "nej", id="root-index"),
    ],
)
def test_paths(template: str, expected: Any) -> None:
    assert expand(template, DATA) == expected


def test_nested_objects_and_arrays_are_expanded() -> None:
    template = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "${crisis.title}"}]}
    assert expand(template, DATA) == {
        "type": "AdaptiveCard",
        "body": [{"type": "TextBlock", "text": "Oversvømmelse"}],
    }


def test_data_array_repeats_object_inside_body() -> None:
    template = {
        "body": [
            {"type": "TextBlock", "text": "Før"},
            {"$data": "${items}", "type": "TextBlock", "text": "${$index}: ${name} (${count})"},
            {"type": "TextBlock", "text": "Efter"},
        ]
    }
    assert expand(template, DATA)["body"] == [
        {"type": "TextBlock", "text": "Før"},
        {"type": "TextBlock", "text": "0: Pumper (3)"},
        {"type": "TextBlock", "text": "1: Sandsække (0)"},
        {"type": "TextBlock", "text": "Efter"},
    ]


def test_data_array_repeats_choiceset_choices_with_root_access() -> None:
    template = {
        "type": "Input.ChoiceSet",
        "choices": [
            {"$data": "${options}", "title": "${$data}", "value": "${$root.crisis.id}-${$index}"}
        ],
    }
    assert expand(template, DATA)["choices"] == [
        {"title": "ja", "value": "7-0"},
        {"title": "nej", "value": "7-1"},
    ]


def test_empty_data_array_leaves_no_copies() -> None:
    assert expand([{"$data": "${empty}", "text": "x"}], DATA) == []


def test_data_array_on_property_value_gives_a_list() -> None:
    assert expand({"rows": {"$data": "${options}", "v": "${$data}"}}, DATA) == {
        "rows": [{"v": "ja"}, {"v": "nej"}]
    }


def test_nested_repetition_has_own_index_and_restores_outer() -> None:
    template = [
        {
            "$data": "${items}",
            "inner": [{"$data": "${$root.options}", "at": "${$index}"}],
            "outer": "${$index}",
        }
    ]
    assert expand(template, DATA) == [
        {"inner": [{"at": 0}, {"at": 1}], "outer": 0},
        {"inner": [{"at": 0}, {"at": 1}], "outer": 1},
    ]


def test_data_object_becomes_context() -> None:
    template = {"$data": "${crisis}", "text": "${id}: ${title}", "nested": {"eta": "${$root.eta}"}}
    assert expand(template, DATA) == {"text": "7: Oversvømmelse", "nested": {"eta": "14:30"}}


def test_inline_data_literal() -> None:
    assert expand([{"$data": [1, 2], "n": "${$data}"}], DATA) == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize(
    ("when", "kept"),
    [
        pytest.param("${crisis.active}", True, id="true"),
        pytest.param("${flag}", False, id="false"),
        pytest.param("${crisis.eta}", False, id="null"),
        pytest.param("${nowhere.at.all}", False, id="missing"),
        pytest.param("${not(nowhere)}", True, id="not-missing"),
        pytest.param("${exists(eta)}", True, id="exists"),
        pytest.param("${equals(count(items), 2)}", True, id="equals-count"),
        pytest.param("${zero}", True, id="zero-is-true"),
        pytest.param("${blank}", True, id="empty-text-is-true"),
        pytest.param(False, False, id="literal-false"),
    ],
)
def test_when_drops_elements_and_properties(when: Any, kept: bool) -> None:
    template = {
        "body": [{"id": "a"}, {"$when": when, "id": "b"}, {"id": "c"}],
        "selectAction": {"$when": when, "type": "Action.Submit"},
    }
    result = expand(template, DATA)
    assert [e["id"] for e in result["body"]] == (["a", "b", "c"] if kept else ["a", "c"])
    assert ("selectAction" in result) is kept
    if kept:
        assert result["selectAction"] == {"type": "Action.Submit"}


def test_when_is_evaluated_per_repeated_element() -> None:
    template = [{"$data": "${items}", "$when": "${not(equals(count, 0))}", "n": "${name}"}]
    assert expand(template, DATA) == [{"n": "Pumper"}]


def test_dropped_root_is_none() -> None:
    assert expand({"$when": "${flag}", "type": "AdaptiveCard"}, DATA) is None


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("${if(exists(eta), eta, '-')}", "14:30", id="if-exists-present"),
        pytest.param("${if(exists(crisis.eta), crisis.eta, '-')}", "-", id="if-exists-null"),
        pytest.param("${if(exists(nowhere), nowhere, '-')}", "-", id="if-exists-missing"),
        pytest.param("${if(nowhere, 1, 2)}", 2, id="if-missing-condition"),
        pytest.param("${if(crisis.active, 'ja', nowhere)}", "ja", id="if-lazy-branch"),
        pytest.param("${if(zero, 'sand', 'falsk')}", "sand", id="if-zero-is-true"),
        pytest.param("${exists(items[5])}", False, id="exists-index-out-of-range"),
        pytest.param("${not(flag)}", True, id="not-false"),
        pytest.param("${not(crisis.active)}", False, id="not-true"),
        pytest.param("${equals(crisis.id, 7)}", True, id="equals-int"),
        pytest.param("${equals(eta, '14:30')}", True, id="equals-text"),
        pytest.param("${equals(crisis.active, 1)}", False, id="equals-bool-is-not-int"),
        pytest.param("${count(items)}", 2, id="count-list"),
        pytest.param("${count('abc')}", 3, id="count-text"),
        pytest.param("${join(options, ', ')}", "ja, nej", id="join"),
        pytest.param("Svar: ${join(options, '/')}.", "Svar: ja/nej.", id="join-in-text"),
        pytest.param("${'tekst'}", "tekst", id="text-literal"),
        pytest.param("${42}", 42, id="int-literal"),
    ],
)
def test_functions(template: str, expected: Any) -> None:
    assert expand(template, DATA) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param("${upper(eta)}", "unknown function 'upper'", id="unknown-function"),
        pytest.param("${if(eta, 1)}", "if() takes 3 arguments, got 2", id="arity"),
        pytest.param("Hej ${nowhere}", "nowhere is missing", id="missing-in-text"),
        pytest.param("${crisis.owner.name}", "crisis.owner.name is missing", id="missing-nested"),
        pytest.param("${items[9].name}", "items[9].name is missing", id="missing-index"),
        pytest.param("${$index}", "$index is missing", id="index-outside-repetition"),
        pytest.param("${not(nowhere)}", "nowhere is missing", id="missing-in-not"),
        pytest.param("${if(flag, 1, nowhere)}", "nowhere is missing", id="missing-in-branch"),
        pytest.param("${$host.x}", "unsupported name '$host'", id="unsupported-name"),
        pytest.param("${crisis.}", "unexpected end", id="dangling-dot"),
        pytest.param("${crisis..id}", "expected name", id="double-dot"),
        pytest.param("${items[x]}", "expected int", id="non-int-index"),
        pytest.param("${a b}", "unexpected 'b'", id="two-names"),
        pytest.param("${crisis.id + 1}", "unexpected '+'", id="operator"),
        pytest.param("${join(options, ', ')", "unclosed binding", id="unclosed-binding"),
        pytest.param("${'open}", "unclosed binding", id="unclosed-text"),
        pytest.param("${}", "unexpected end", id="empty-binding"),
        pytest.param("${count(crisis)}", "count() needs a text or a list", id="count-of-object"),
        pytest.param({"$data": "${nowhere}", "x": 1}, "nowhere is missing", id="missing-data"),
    ],
)
def test_errors_name_the_problem(template: Any, message: str) -> None:
    with pytest.raises(TemplateError) as raised:
        expand(template, DATA)
    assert message in str(raised.value)


def test_error_names_the_expression() -> None:
    with pytest.raises(TemplateError, match=r"\$\{if\(flag, 1, nowhere\)\}"):
        expand("${if(flag, 1, nowhere)}", DATA)


def test_template_error_is_a_value_error() -> None:
    assert issubclass(TemplateError, ValueError)


def test_dollar_keys_other_than_data_and_when_are_kept() -> None:
    template = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "$data": "${crisis}",
        "$when": "${active}",
        "$comment": "kept",
        "version": "1.5",
    }
    assert expand(template, DATA) == {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "$comment": "kept",
        "version": "1.5",
    }


def test_inputs_are_not_mutated() -> None:
    template = {
        "body": [
            {"$data": "${items}", "text": "${name}"},
            {"$when": "${flag}", "text": "væk"},
            {"$data": "${crisis}", "value": "${$root.options}"},
        ]
    }
    data = copy.deepcopy(DATA)
    template_before, data_before = copy.deepcopy(template), copy.deepcopy(data)
    result = expand(template, data)
    assert result
    assert template == template_before
    assert data == data_before


TYPED = "[Kvittér her](https://evil.example/login) **fed**"
ESCAPED = "\\[Kvittér her\\](https://evil.example/login) \\*\\*fed\\*\\*"


def test_text_a_card_shows_binds_escaped_and_the_templates_own_markdown_stays() -> None:
    template = {
        "type": "AdaptiveCard",
        "body": [
            {"type": "TextBlock", "text": "${typed}"},
            {"type": "TextBlock", "text": "**${label}:** ${typed}"},
            {"type": "TextBlock", "$data": "${lines}", "text": "${$data}"},
            {"type": "FactSet", "facts": [{"$data": "${facts}", "title": "${title}", "value": "${value}"}]},
            {"type": "Input.Text", "id": "text", "value": "${typed}", "placeholder": "${typed}"},
        ],
        "actions": [{"type": "Action.Execute", "title": "${typed}", "data": {"text": "${typed}"}}],
    }
    data = {
        "typed": TYPED, "label": "Note", "lines": [TYPED, Markup("**fed**")],
        "facts": [{"title": TYPED, "value": Markup("[29 25 65 11](tel:+4529256511)")}],
    }

    body = expand(template, data)["body"]

    assert [block["text"] for block in body[:4]] == [ESCAPED, f"**Note:** {ESCAPED}", ESCAPED, "**fed**"]
    assert body[4]["facts"] == [{"title": ESCAPED, "value": "[29 25 65 11](tel:+4529256511)"}]
    assert body[5]["value"] == body[5]["placeholder"] == TYPED, "inputs are not Markdown"
    assert expand(template, data)["actions"] == [{"type": "Action.Execute", "title": TYPED, "data": {"text": TYPED}}]
