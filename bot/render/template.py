"""The subset of the Adaptive Cards Templating Language that our cards use.

``expand(template, data)`` returns a new JSON value; neither argument is changed. A value
bound whole (``"${list}"``) is placed in the output as it is, not copied: build the data
afresh for each card.

* ``"${expr}"`` alone becomes the bound value with its own JSON type; ``${...}`` mixed with
  text is interpolated (``true``/``false`` for booleans, ``""`` for null, compact JSON for
  lists and objects, integral floats without ``.0``).
* Expressions: paths ``a.b[0].c`` looked up in the current data, ``$root``, ``$data``,
  ``$index``; literals ``'text'`` (no escapes) and ``42``; the functions ``if(c, a, b)``
  (only the chosen branch is evaluated), ``exists(x)``, ``not(x)``, ``equals(a, b)``,
  ``count(x)``, ``join(list, sep)``.
* What a card shows as text — a ``TextBlock``'s ``text`` and a ``FactSet`` fact's ``title`` and
  ``value`` — binds text, not Markdown: each bound text value is escaped with
  ``bot.render.plain.literal``, so user text shows as typed; the template's own words stay
  Markdown (``**${name}**`` is bold), and so does a ``Markup`` value (the bot's own Markdown).
* ``"$data"`` on an object: an array repeats the object once per element with ``$index``
  set (the copies are spliced into the parent array, or form a list where the object was a
  property value or the root); anything else becomes the object's data context.
* ``"$when"`` is evaluated in the object's context; unless it is true the object is dropped
  from its array, or the property holding it is removed.
* ``$data`` and ``$when`` are removed from the output; every other key is kept.

Strictness: anything outside this subset, and a path missing from the data, raises
``TemplateError``. Only inside ``exists()``, the condition of ``if()`` and ``$when`` is a
missing path null. As in Adaptive Expressions, only ``false`` and null are false.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from types import UnionType
from typing import Any

from .plain import Markup, literal

__all__ = ["TemplateError", "expand"]


class TemplateError(ValueError):
    """A template uses something outside the supported subset, or a path missing from the data."""


@dataclass(frozen=True)
class _Literal:
    value: str | int


@dataclass(frozen=True)
class _Path:
    head: str
    steps: tuple[str | int, ...]

    def __str__(self) -> str:
        return self.head + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in self.steps)


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple["_Node", ...]


_Node = _Literal | _Path | _Call


@dataclass(frozen=True)
class _Binding:
    source: str
    node: _Node


@dataclass(frozen=True)
class _Scope:
    root: Mapping[str, Any]
    data: Any
    index: int | None = None


_ARITY = {"if": 3, "exists": 1, "not": 1, "equals": 2, "count": 1, "join": 2}
_SPECIAL_NAMES = {"$root", "$data", "$index"}
_TOKEN = re.compile(
    r"\s*(?:(?P<text>'[^']*')|(?P<int>\d+)|(?P<name>\$?[^\W\d]\w*)"
    r"|(?P<punct>[(),.\[\]])|(?P<bad>\S))"
)
_SHOWN = {"TextBlock": frozenset({"text"})}
"""Per element type, the properties a card shows as text (their bindings are escaped)."""
_FACT_SHOWN = frozenset({"title", "value"})
_MISSING = object()
_MAPPING = (dict, Mapping)  # dict first: isinstance on the Mapping ABC alone is slow
_DROPPED = object()


def expand(template: Any, data: Mapping[str, Any]) -> Any:
    """Expand ``template`` with ``data``; None if the root object itself is dropped by ``$when``."""
    result = _expand_value(template, _Scope(root=data, data=data))
    return None if result is _DROPPED else result


# --- expansion of JSON values ---------------------------------------------------------------


def _expand_value(node: Any, scope: _Scope) -> Any:
    # the cheap checks first: most nodes are plain text (no binding), and mappings are dicts
    if isinstance(node, str):
        return _expand_string(node, scope, strict=True) if "${" in node else node
    if isinstance(node, list):
        return _expand_list(node, scope)
    if isinstance(node, _MAPPING):
        copies, repeated = _copies(node, scope)
        if repeated:
            return copies
        return copies[0] if copies else _DROPPED
    return node


def _expand_list(items: list[Any], scope: _Scope, shown: frozenset[str] | None = None) -> list[Any]:
    result: list[Any] = []
    for item in items:
        if isinstance(item, _MAPPING):
            result.extend(_copies(item, scope, shown)[0])
        else:
            result.append(_expand_value(item, scope))
    return result


def _copies(
    node: Mapping[str, Any], scope: _Scope, shown: frozenset[str] | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """The expanded copies of an object, and whether ``$data`` repeated it."""
    scopes, repeated = _contexts(node, scope)
    kept = [s for s in scopes if "$when" not in node or _condition(node["$when"], s)]
    return [_expand_fields(node, s, shown) for s in kept], repeated


def _contexts(node: Mapping[str, Any], scope: _Scope) -> tuple[list[_Scope], bool]:
    if "$data" not in node:
        return [scope], False
    context = _expand_value(node["$data"], scope)
    if isinstance(context, list):
        return [replace(scope, data=item, index=i) for i, item in enumerate(context)], True
    return [replace(scope, data=context)], False


def _expand_fields(node: Mapping[str, Any], scope: _Scope, shown: frozenset[str] | None = None) -> dict[str, Any]:
    """The object's properties expanded; those in ``shown`` (else its type's) are text a card shows."""
    kind = node.get("type")
    if shown is None:
        shown = _SHOWN.get(kind, frozenset()) if isinstance(kind, str) else frozenset()
    result = {}
    for key, value in node.items():
        if key in ("$data", "$when"):
            continue
        if key in shown and isinstance(value, str):
            expanded = _expand_text(value, scope)
        elif key == "facts" and kind == "FactSet" and isinstance(value, list):
            expanded = _expand_list(value, scope, _FACT_SHOWN)
        else:
            expanded = _expand_value(value, scope)
        if expanded is not _DROPPED:
            result[key] = expanded
    return result


def _condition(value: Any, scope: _Scope) -> bool:
    return _is_true(_expand_string(value, scope, strict=False) if isinstance(value, str) else value)


def _expand_string(text: str, scope: _Scope, *, strict: bool) -> Any:
    parts = _parse_string(text)
    if len(parts) == 1 and isinstance(parts[0], _Binding):
        return _evaluate_binding(parts[0], scope, strict)
    return "".join(
        part if isinstance(part, str) else _to_text(_evaluate_binding(part, scope, strict))
        for part in parts
    )


def _expand_text(text: str, scope: _Scope) -> Any:
    """A property a card shows as text: the template's words as they are, each bound text escaped."""
    if "${" not in text:
        return text
    parts = _parse_string(text)
    if len(parts) == 1 and isinstance(parts[0], _Binding):
        value = _evaluate_binding(parts[0], scope, True)
        return _shown(value) if isinstance(value, str) else value
    return "".join(part if isinstance(part, str) else _shown(_evaluate_binding(part, scope, True)) for part in parts)


def _shown(value: Any) -> str:
    return value if isinstance(value, Markup) else literal(_to_text(value))


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


# --- parsing --------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _parse_string(text: str) -> tuple[str | _Binding, ...]:
    """Split ``text`` into literal text and parsed ``${...}`` bindings."""
    parts: list[str | _Binding] = []
    position = 0
    while (start := text.find("${", position)) >= 0:
        end = _binding_end(text, start + 2)
        if start > position:
            parts.append(text[position:start])
        source = text[start + 2 : end]
        parts.append(_Binding(source, _Parser(source).parse()))
        position = end + 1
    if position < len(text) or not parts:
        parts.append(text[position:])
    return tuple(parts)


def _binding_end(text: str, start: int) -> int:
    """Index of the ``}`` closing the binding whose expression starts at ``start``."""
    quoted = False
    for i in range(start, len(text)):
        if text[i] == "'":
            quoted = not quoted
        elif text[i] == "}" and not quoted:
            return i
    raise TemplateError(f"unclosed binding in {text!r}")


class _Parser:
    """Recursive descent: ``expr := name '(' [expr (',' expr)*] ')' | 'text' | int | path``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = [(m.lastgroup or "", m.group(m.lastgroup or 0)) for m in _TOKEN.finditer(source)]
        self.position = 0

    def parse(self) -> _Node:
        node = self._expression()
        if self.position < len(self.tokens):
            raise self._error(f"unexpected {self.tokens[self.position][1]!r}")
        return node

    def _expression(self) -> _Node:
        kind, value = self._take()
        if kind == "text":
            return _Literal(value[1:-1])
        if kind == "int":
            return _Literal(int(value))
        if kind != "name":
            raise self._error(f"unexpected {value!r}")
        if self._peek() == "(":
            return self._call(value)
        return self._path(value)

    def _call(self, name: str) -> _Call:
        if name not in _ARITY:
            raise self._error(f"unknown function {name!r}")
        self._expect("(")
        args = [] if self._peek() == ")" else [self._expression()]
        while self._peek() == ",":
            self._take()
            args.append(self._expression())
        self._expect(")")
        if len(args) != _ARITY[name]:
            raise self._error(f"{name}() takes {_ARITY[name]} arguments, got {len(args)}")
        return _Call(name, tuple(args))

    def _path(self, head: str) -> _Path:
        if head.startswith("$") and head not in _SPECIAL_NAMES:
            raise self._error(f"unsupported name {head!r}")
        steps: list[str | int] = []
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                steps.append(self._take_kind("name"))
            else:
                steps.append(int(self._take_kind("int")))
                self._expect("]")
        return _Path(head, tuple(steps))

    def _peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise self._error("unexpected end")
        self.position += 1
        kind, value = self.tokens[self.position - 1]
        if kind == "bad":
            raise self._error(f"unexpected {value!r}")
        return kind, value

    def _take_kind(self, expected: str) -> str:
        kind, value = self._take()
        if kind != expected:
            raise self._error(f"expected {expected}, got {value!r}")
        return value

    def _expect(self, punct: str) -> None:
        if self._take()[1] != punct:
            raise self._error(f"expected {punct!r}")

    def _error(self, problem: str) -> TemplateError:
        return TemplateError(f"${{{self.source}}}: {problem}")


# --- evaluation -----------------------------------------------------------------------------


def _evaluate_binding(binding: _Binding, scope: _Scope, strict: bool) -> Any:
    try:
        return _evaluate(binding.node, scope, strict)
    except TemplateError as error:
        raise TemplateError(f"${{{binding.source}}}: {error}") from None


def _evaluate(node: _Node, scope: _Scope, strict: bool) -> Any:
    if isinstance(node, _Literal):
        return node.value
    if isinstance(node, _Path):
        value = _resolve(node, scope)
        if value is not _MISSING:
            return value
        if strict:
            raise TemplateError(f"{node} is missing from the data")
        return None
    return _call(node, scope, strict)


def _resolve(path: _Path, scope: _Scope) -> Any:
    if path.head == "$root":
        value: Any = scope.root
    elif path.head == "$data":
        value = scope.data
    elif path.head == "$index":
        value = _MISSING if scope.index is None else scope.index
    else:
        value = _step(scope.data, path.head)
    for step in path.steps:
        value = _step(value, step)
    return value


def _step(value: Any, step: str | int) -> Any:
    if isinstance(step, str) and isinstance(value, _MAPPING):
        return value.get(step, _MISSING)
    if isinstance(step, int) and isinstance(value, list) and step < len(value):
        return value[step]
    return _MISSING


def _call(node: _Call, scope: _Scope, strict: bool) -> Any:
    if node.name == "if":
        condition, then, otherwise = node.args
        chosen = then if _is_true(_evaluate(condition, scope, strict=False)) else otherwise
        return _evaluate(chosen, scope, strict)
    if node.name == "exists":
        return _evaluate(node.args[0], scope, strict=False) is not None
    args = [_evaluate(arg, scope, strict) for arg in node.args]
    if node.name == "not":
        return not _is_true(args[0])
    if node.name == "equals":
        return _equals(*args)
    if node.name == "count":
        return len(_require(args[0], str | list, "count() needs a text or a list"))
    # join, the only function left
    items = _require(args[0], list, "join() needs a list")
    return _require(args[1], str, "join() needs a text separator").join(map(_to_text, items))


def _require(value: Any, kind: type | UnionType, problem: str) -> Any:
    if not isinstance(value, kind):
        raise TemplateError(f"{problem}, got {type(value).__name__}")
    return value


def _is_true(value: Any) -> bool:
    """Adaptive Expressions truth: only false and null are false (0 and "" are true)."""
    return value is not None and value is not False


def _equals(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)
