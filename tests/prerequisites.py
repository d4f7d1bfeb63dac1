"""What some tests need from outside the repository, and what happens where it is missing.

``../shared`` beside the repository (``SHARED``) holds the official schemas and the plan text
the bundled plan was made from; the end-to-end tests need Chromium, Node.js and the
playground. A test whose prerequisite is missing skips, naming it; under ``CI=true`` it fails
instead, so a CI run never passes on checks it did not make.
"""

import os
from pathlib import Path
from typing import NoReturn

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def in_ci() -> bool:
    """``CI`` is set to true (``true``, ``1`` or ``yes``, as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> NoReturn:
    """Skip the test for ``reason``; under ``CI=true`` fail it."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing prerequisite fails the test)", pytrace=False)
    pytest.skip(reason)


def shared_file(*parts: str, what: str) -> Path:
    """The file ``SHARED/parts...``; ``missing`` when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        missing(f"{what} is not at {path} (../shared beside the repository)")
    return path
