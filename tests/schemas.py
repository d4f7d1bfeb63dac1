"""The official schemas beside the project (``../shared/schemas``).

Where a schema is absent the test skips, saying why; under ``CI=true`` it fails
(``tests/prerequisites.py``).
"""

import json
from functools import cache
from typing import Any

import jsonschema

from tests.prerequisites import shared_file

MAX_CARD_BYTES = 28 * 1024


@cache
def _card_validator() -> jsonschema.Draft6Validator:
    path = shared_file("schemas", "adaptive-card-1.5.json", what="the official Adaptive Card schema")
    return jsonschema.Draft6Validator(json.loads(path.read_text(encoding="utf-8")))


def assert_valid_card(card: dict) -> None:
    """The card conforms to Adaptive Card 1.5 and fits in a Teams message."""
    _card_validator().validate(card)
    assert card["version"] == "1.5"
    assert len(json.dumps(card, ensure_ascii=False).encode()) < MAX_CARD_BYTES


@cache
def manifest_schema() -> dict[str, Any]:
    """The Teams manifest schema v1.24."""
    path = shared_file("schemas", "teams-manifest-1.24.schema.json", what="the official Teams manifest schema")
    return json.loads(path.read_text(encoding="utf-8"))


def assert_valid_manifest(manifest: dict) -> None:
    """The manifest conforms to the Teams manifest schema v1.24.

    The schema is not checked itself: from v1.23 it holds a ``\\p{L}`` pattern that Python's
    ``re`` cannot compile, in a part a bot manifest does not use.
    """
    errors = sorted(jsonschema.Draft4Validator(manifest_schema()).iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)
