"""The official schemas beside the project (``../shared/schemas``); tests skip, saying why, where absent."""

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"
CARD_SCHEMA = SCHEMAS / "adaptive-card-1.5.json"
MAX_CARD_BYTES = 28 * 1024


@cache
def _card_validator() -> jsonschema.Draft6Validator:
    return jsonschema.Draft6Validator(json.loads(CARD_SCHEMA.read_text(encoding="utf-8")))


def assert_valid_card(card: dict) -> None:
    """The card conforms to Adaptive Card 1.5 and fits in a Teams message."""
    if not CARD_SCHEMA.exists():
        pytest.skip(f"the official Adaptive Card schema is not at {CARD_SCHEMA}")
    _card_validator().validate(card)
    assert card["version"] == "1.5"
    assert len(json.dumps(card, ensure_ascii=False).encode()) < MAX_CARD_BYTES


MANIFEST_SCHEMA = SCHEMAS / "teams-manifest-1.24.schema.json"


def assert_valid_manifest(manifest: dict) -> None:
    """The manifest conforms to the Teams manifest schema v1.24.

    The schema is not checked itself: from v1.23 it holds a ``\\p{L}`` pattern that Python's
    ``re`` cannot compile, in a part a bot manifest does not use.
    """
    if not MANIFEST_SCHEMA.exists():
        pytest.skip(f"the official Teams manifest schema is not at {MANIFEST_SCHEMA}")
    schema = json.loads(MANIFEST_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)
