"""Load a plan file: TOML in, a consistent ``Plan`` out, or a PlanError naming file, field and problem."""

import tomllib
from pathlib import Path

from pydantic import ValidationError

from ..errors import PlanError
from ..validation import danish, field_path
from .models import Plan


def load_plan(path: Path) -> Plan:
    """Read and validate the plan at ``path``.

    Raises PlanError for a missing or unreadable file, TOML syntax errors, schema errors
    (each with its dotted field path, e.g. ``people.2.phones.0``), nesting too deep to parse,
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
        raise PlanError(where, problems) from None
    except PlanError as exc:
        raise PlanError(where, exc.problems) from None

