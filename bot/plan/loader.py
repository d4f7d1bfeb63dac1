"""Load a plan file: TOML in, a consistent ``Plan`` out, or a PlanError naming file, field and problem."""

import tomllib
from pathlib import Path

from pydantic import ValidationError

from ..errors import PlanError
from .models import Plan


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def load_plan(path: Path) -> Plan:
    """Read and validate the plan at ``path``.

    Raises PlanError for a missing or unreadable file, TOML syntax errors, schema errors
    (each with its dotted field path, e.g. ``people.2.phones.0.number``) and bad
    cross-references (unknown people or roles, duplicate ids).
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
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        problems = [(_field_path(error["loc"]), _message(error)) for error in exc.errors()]
        raise PlanError(where, problems) from None
    except PlanError as exc:
        raise PlanError(where, exc.problems) from None


def _message(error: dict) -> str:
    if error["type"] == "missing":
        return "mangler"
    if error["type"] == "extra_forbidden":
        return "ukendt felt"
    return error["msg"].removeprefix("Value error, ")
