"""The Teams app package: the manifest template in ``manifest/`` filled from settings and the plan.

The command menu (``bots[0].commandLists``) is generated from the command registry and the
activity types from the activity feed channel, so the app declares exactly what the bot does.
Graph is optional: without a Graph app id the manifest has no ``webApplicationInfo`` and no
activity types (there is no activity feed without Graph). The ``developer`` links name the
public pages Krisebot serves (``bot/pages.py``). Danish is the manifest's default language;
English comes from ``en-us.json`` beside it.
``app_package`` gives the zip's files (all at its root); ``write_app_package`` writes the zip.
"""

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from .channels.feed import MANIFEST_ACTIVITY_TYPE
from .core.text_commands import COMMANDS, Command
from .errors import MissingSettingsError
from .pages import PRIVACY, TERMS, WEBSITE
from .plan.models import Plan
from .render.names import clip
from .resources import bundled
from .settings import Settings, env_name

MANIFEST = "manifest.json"
LOCALIZATION = "en-us.json"
ICONS = ("color.png", "outline.png")
MAX_COMMANDS = 10
"""Teams shows at most ten commands per scope in the command menu."""
DEVELOPER_NAME_LIMIT = 32

COMMAND_SCOPES: tuple[tuple[str, ...], ...] = (("personal", "groupChat"), ("team",))
"""One command list per group of scopes; channel-only commands appear only in ``team``."""
ACTIVITY_TYPES = (MANIFEST_ACTIVITY_TYPE,)
"""The activity types the activity feed channel sends, as the manifest declares them."""
ACTIVITY_TYPES_EN = {MANIFEST_ACTIVITY_TYPE["type"]: {"description": "Krisebot pages you in a crisis"}}
"""The English description of each declared activity type (its ``templateText`` is language neutral)."""

_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


@dataclass(frozen=True, slots=True)
class ManifestValues:
    """What the template's ``${{NAME}}`` placeholders are filled with."""

    bot_app_id: str
    graph_app_id: str
    """Empty without Graph: then the manifest declares no Graph app and no activity types."""
    public_host: str
    website_url: str
    privacy_url: str
    terms_url: str
    organisation: str
    version: str

    def placeholders(self) -> dict[str, str]:
        """``{"BOT_APP_ID": ..., ...}``: each field under its placeholder name."""
        return {name.upper(): value for name, value in asdict(self).items()}


def manifest_values(settings: Settings, plan: Plan) -> ManifestValues:
    """The values for the manifest; MissingSettingsError names every setting that is unset or unusable."""
    graph_app_id = settings.graph_client_id or settings.graph_managed_identity_client_id
    host = settings.public_url.host if settings.public_url else None
    problems = [
        (env_name("bot_app_id"), _guid_problem(settings.bot_app_id, "Azure Bot-registreringens app-id")),
        (env_name("public_url"), None if host else "mangler: tjenestens offentlige https-adresse (validDomains)"),
    ]
    if graph_app_id:
        problems.append((
            f"{env_name('graph_client_id')} (eller {env_name('graph_managed_identity_client_id')})",
            _guid_problem(graph_app_id, "Graph-appens klient-id, der sender aktivitetsfeed-beskeder (webApplicationInfo)"),
        ))
    missing = [(setting, problem) for setting, problem in problems if problem]
    if missing or host is None:
        raise MissingSettingsError(missing)
    base = str(settings.public_url).rstrip("/")
    return ManifestValues(
        bot_app_id=settings.bot_app_id,
        graph_app_id=graph_app_id,
        public_host=host,
        website_url=base + WEBSITE,
        privacy_url=base + PRIVACY,
        terms_url=base + TERMS,
        organisation=clip(plan.organisation.name, DEVELOPER_NAME_LIMIT),
        version=package_version("krisebot"),
    )


def _guid_problem(value: str, what: str) -> str | None:
    if not value:
        return f"mangler: {what}"
    return None if _GUID.match(value) else f"skal være et GUID (fx 00000000-0000-0000-0000-000000000000): {what}"


def command_lists(commands: Iterable[Command] = COMMANDS, lang: str = "da") -> list[dict[str, Any]]:
    """The bot's command lists in ``lang``: one per entry of ``COMMAND_SCOPES``."""
    lists = []
    for scopes in COMMAND_SCOPES:
        offered = [c for c in commands if c.menu and ("team" in scopes or not c.channel_only)]
        if len(offered) > MAX_COMMANDS:
            raise ValueError(f"Teams viser højst {MAX_COMMANDS} kommandoer pr. område; {scopes} har {len(offered)}")
        lists.append({
            "scopes": list(scopes),
            "commands": [{"title": c.title(lang), "description": c.description[lang]} for c in offered],
        })
    return lists


def manifest(template: dict[str, Any], values: ManifestValues) -> dict[str, Any]:
    """The Danish manifest: the template filled in, with generated command lists and (with Graph) activity types."""
    filled = _fill(template, values.placeholders())
    filled["bots"][0]["commandLists"] = command_lists()
    if values.graph_app_id:
        filled["activities"]["activityTypes"] = [dict(activity) for activity in ACTIVITY_TYPES]
    else:
        del filled["webApplicationInfo"], filled["activities"]
    return filled


def localization(template: dict[str, Any], *, graph: bool) -> dict[str, Any]:
    """The English localization: the template's names and descriptions plus commands and (with ``graph``) activity types."""
    strings = dict(template)
    for i, command_list in enumerate(command_lists(lang="en")):
        for j, command in enumerate(command_list["commands"]):
            for field in ("title", "description"):
                strings[f"bots[0].commandLists[{i}].commands[{j}].{field}"] = command[field]
    for i, activity in enumerate(ACTIVITY_TYPES if graph else ()):
        english = {"templateText": activity["templateText"], **ACTIVITY_TYPES_EN[activity["type"]]}
        for field in ("description", "templateText"):
            strings[f"activities.activityTypes[{i}].{field}"] = english[field]
    return strings


def _fill(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, values) for value in node]
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], node)
    return node


def app_package(settings: Settings, plan: Plan, folder: Path | None = None) -> dict[str, bytes]:
    """The zip's files by name: manifest, English localization and both icons from ``folder``
    (default: the bundled ``manifest/``). Raises MissingSettingsError before reading anything."""
    values = manifest_values(settings, plan)
    folder = folder or bundled("manifest")

    def read(name: str) -> dict[str, Any]:
        return json.loads((folder / name).read_text(encoding="utf-8"))

    files = {
        MANIFEST: _json(manifest(read(MANIFEST), values)),
        LOCALIZATION: _json(localization(read(LOCALIZATION), graph=bool(values.graph_app_id))),
    }
    return files | {icon: (folder / icon).read_bytes() for icon in ICONS}


def _json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def write_app_package(path: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` as a zip with every file at its root (what Teams expects)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            package.writestr(name, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
