"""Files that ship with Krisebot: the bundled plans, the card templates and the Teams app template.

In a wheel they are installed under ``bot/_bundled/``; in a source checkout (and an
editable install) they are the top-level ``plans/``, ``cards/`` and ``manifest/`` folders.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(folder: str) -> Path:
    """The directory of bundled ``folder`` (``"plans"``, ``"cards"`` or ``"manifest"``)."""
    installed = _PACKAGE / "_bundled" / folder
    return installed if installed.is_dir() else _PACKAGE.parent / folder


def default_plan_path() -> Path:
    """The plan used when ``KRISEBOT_PLAN`` is unset."""
    return bundled("plans") / "struer-intern-service.toml"
