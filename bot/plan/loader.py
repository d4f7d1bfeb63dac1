"""Load a plan file: TOML in, a consistent ``Plan`` out, or a PlanError naming file, field and problem."""

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import PlanError
from ..validation import danish, field_path
from .models import Plan


def load_plan(path: Path) -> Plan:
    """Read and validate the plan at ``path``.

    Raises PlanError for a missing or unreadable file, TOML syntax errors, schema errors
    (each with its field path, an item of a list named by its id, else by its number from 1:
    ``people[anna].phones[1]``), nesting too deep to parse,
    and bad cross-references (unknown people or roles, duplicate ids, two people sharing a
    mobile number or an email).
    """
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(where, [("", "filen findes ikke")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(where, [("", f"filen kan ikke læses: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(where, [("", f"ugyldig TOML: {exc}")]) from None
    except RecursionError:
        raise PlanError(where, [("", "ugyldig TOML: lister eller tabeller er indlejret for dybt")]) from None
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        problems = [(field_path(error["loc"]), danish(error)) for error in exc.errors()]
        raise PlanError(where, [(readable_path(data, path), problem) for path, problem in problems]) from None
    except PlanError as exc:
        raise PlanError(where, [(readable_path(data, path), problem) for path, problem in exc.problems]) from None


def readable_path(data: Any, path: str) -> str:
    """``roles.0.deputies.1`` → ``roles[leder].deputies[2]``: a list item named by its ``id`` when the plan file
    gives it one no other item of the list has, else by its number counted from 1."""
    readable, node = "", data
    for part in path.split(".") if path else []:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            item = node[int(part)]
            ident = item.get("id") if isinstance(item, dict) else None
            ids = [other.get("id") for other in node if isinstance(other, dict)]
            readable += f"[{ident}]" if isinstance(ident, str) and ids.count(ident) == 1 else f"[{int(part) + 1}]"
            node = item
        else:
            readable += f".{part}" if readable else part
            node = node.get(part) if isinstance(node, dict) else None
    return readable

