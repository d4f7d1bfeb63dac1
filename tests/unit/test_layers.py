"""The layers import only downwards: every ``bot`` module's imports, read from its source.

The core is pure and knows only the plan; Graph is a client the channels use, not the other
way round; rendering is words and cards for any edge; the engine hands words to no one. A
late import inside a function counts like one at the top.
"""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"

ONLY = {"core": {"core", "plan"}}
"""A package that may import only these packages of ``bot``."""
NEVER = {
    "graph": {"channels", "teams", "engine"},
    "render": {"teams", "engine", "channels"},
    "engine": {"render", "teams"},
}
"""A package that must not import these packages of ``bot``."""
ALLOWED = {("core", "bot.clock", "LOCAL_TIME")}
"""Single names a layer may take from outside its rule: the time zone people read times in is a
constant, not a clock reading."""


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path) -> list[tuple[int, str, str | None]]:
    """(line, absolute module, name or None) for every import in ``path``, a module under ``root`` (``bot``)."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
            source = ".".join(part for part in (base, node.module) if part)
            found += [(node.lineno, source, alias.name) for alias in node.names]
    return found


def breaches(layer: str, root: Path = BOT) -> list[str]:
    """Every import in ``layer``'s modules that its rule forbids, as ``file:line: module.name``."""
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        for line, source, name in imports(path, root):
            parts = source.split(".")
            if parts[0] != "bot" or len(parts) < 2 or (layer, source, name) in ALLOWED:
                continue
            target = parts[1]
            if (layer in ONLY and target not in ONLY[layer]) or target in NEVER.get(layer, set()):
                found.append(f"{path.relative_to(root.parent)}:{line}: {source}" + (f".{name}" if name else ""))
    return found


@pytest.mark.parametrize("layer", sorted({*ONLY, *NEVER}))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    assert breaches(layer) == []


def test_the_rule_catches_an_upward_import_even_inside_a_function(tmp_path: Path) -> None:
    (tmp_path / "bot" / "engine").mkdir(parents=True)
    (tmp_path / "bot" / "engine" / "late.py").write_text(
        "from ..core.events import Event\n\n\ndef words():\n    from ..render.refusals import refusal_text\n"
    )
    assert breaches("engine", tmp_path / "bot") == ["bot/engine/late.py:5: bot.render.refusals.refusal_text"]
