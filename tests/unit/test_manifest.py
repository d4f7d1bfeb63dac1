"""The Teams app package as Teams and the IT department see it: schema, command menu, activity
types, icons, the zip, and what ``krisebot manifest`` says when settings are missing."""

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.channels.feed import ACTIVITY_TYPE, MANIFEST_ACTIVITY_TYPE
from bot.core.text_commands import COMMANDS, parse
from bot.manifest import ICONS, LOCALIZATION, MANIFEST, MAX_COMMANDS, app_package
from bot.plan import load_plan
from bot.resources import bundled, default_plan_path
from bot.settings import Settings, load_settings
from tests.schemas import assert_valid_manifest
from tests.unit.test_cli import krisebot

BOT_APP_ID = "6b1c7a52-3f0e-4d5c-9a7e-0d2f4c8b1a01"
GRAPH_CLIENT_ID = "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c02"
MANIFEST_SETTINGS = {
    "KRISEBOT_BOT_APP_ID": BOT_APP_ID,
    "KRISEBOT_BOT_TENANT_ID": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b03",
    "KRISEBOT_BOT_APP_PASSWORD": "bot-password",
    "KRISEBOT_PUBLIC_URL": "https://krisebot.struer.dk",
    "KRISEBOT_GRAPH_CLIENT_ID": GRAPH_CLIENT_ID,
    "KRISEBOT_GRAPH_TENANT_ID": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b03",
    "KRISEBOT_GRAPH_CLIENT_SECRET": "graph-secret",
}


def _settings() -> Settings:
    return load_settings(_env_file=None, **{k.removeprefix("KRISEBOT_").lower(): v for k, v in MANIFEST_SETTINGS.items()})


@pytest.fixture(scope="module")
def package() -> dict[str, bytes]:
    return app_package(_settings(), load_plan(default_plan_path()))


@pytest.fixture(scope="module")
def manifest(package) -> dict:
    return json.loads(package[MANIFEST])


@pytest.fixture(scope="module")
def english(package) -> dict:
    return json.loads(package[LOCALIZATION])


def test_manifest_conforms_to_the_teams_schema(manifest) -> None:
    assert_valid_manifest(manifest)


def test_manifest_names_the_bot_its_domain_and_the_graph_app(manifest) -> None:
    assert manifest["manifestVersion"] == "1.24"
    assert manifest["id"] == manifest["bots"][0]["botId"] == BOT_APP_ID
    assert manifest["validDomains"] == ["krisebot.struer.dk"]
    assert manifest["webApplicationInfo"]["id"] == GRAPH_CLIENT_ID
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["developer"]["name"] == "Struer Kommune"
    assert "${{" not in json.dumps(manifest)


def test_command_menu_offers_exactly_the_commands_the_bot_understands(manifest, english) -> None:
    lists = manifest["bots"][0]["commandLists"]
    offered = set()
    for i, command_list in enumerate(lists):
        assert len(command_list["commands"]) <= MAX_COMMANDS
        for j, entry in enumerate(command_list["commands"]):
            danish, english_title = parse(entry["title"]), parse(english[f"bots[0].commandLists[{i}].commands[{j}].title"])
            assert danish is not None and english_title is not None, entry["title"]
            assert danish.command is english_title.command
            assert entry["description"] == danish.command.description["da"]
            assert english[f"bots[0].commandLists[{i}].commands[{j}].description"] == danish.command.description["en"]
            offered.add(danish.command.name)
    menu = [c for c in COMMANDS if c.menu]
    assert offered == {command.name for command in menu}
    personal = next(cl for cl in lists if "personal" in cl["scopes"])
    assert [parse(e["title"]).command for e in personal["commands"]] == [c for c in menu if not c.channel_only]
    team = next(cl for cl in lists if "team" in cl["scopes"])
    assert [parse(e["title"]).command for e in team["commands"]] == menu


def test_every_scope_of_the_bot_has_one_command_list(manifest) -> None:
    scopes = [scope for command_list in manifest["bots"][0]["commandLists"] for scope in command_list["scopes"]]
    assert sorted(scopes) == sorted(manifest["bots"][0]["scopes"])


def test_activity_types_are_those_the_feed_sends(manifest, english) -> None:
    [declared] = manifest["activities"]["activityTypes"]
    assert declared == MANIFEST_ACTIVITY_TYPE
    assert declared["type"] == ACTIVITY_TYPE
    assert set(re.findall(r"\{(\w+)\}", declared["templateText"])) == {"purpose", "crisis"}
    assert english["activities.activityTypes[0].templateText"] == declared["templateText"]
    assert english["activities.activityTypes[0].description"]


def test_english_localization_points_at_real_manifest_fields(manifest, english) -> None:
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "da", "additionalLanguages": [{"languageTag": "en-us", "file": LOCALIZATION}],
    }
    for key in english:
        if key == "$schema":
            continue
        node = manifest
        for part in re.findall(r"[^.\[\]]+", key):
            node = node[int(part)] if part.isdigit() else node[part]
        assert isinstance(node, str), key
    assert english["name.short"] == manifest["name"]["short"]
    assert len(english["description.short"]) <= 80


def _png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, colour type and the unfiltered rows of an 8-bit PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    assert (depth, interlace) == (8, 0)
    chunks, offset = b"", 8
    while offset < len(data):
        (length,), kind = struct.unpack(">I", data[offset:offset + 4]), data[offset + 4:offset + 8]
        if kind == b"IDAT":
            chunks += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(chunks)
    channels = {2: 3, 6: 4}[colour]
    stride, rows, previous = width * channels, [], bytes(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = previous[x], previous[x - channels] if x >= channels else 0
            p = a + b - c
            paeth = min((abs(p - a), 0, a), (abs(p - b), 1, b), (abs(p - c), 2, c))[2]
            line[x] = (line[x] + (0, a, b, (a + b) // 2, paeth)[kind]) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, colour, rows


def test_icons_have_the_sizes_teams_requires() -> None:
    folder = bundled("manifest")
    assert _png((folder / "color.png").read_bytes())[:2] == (192, 192)
    assert _png((folder / "outline.png").read_bytes())[:3] == (32, 32, 6)


def test_outline_icon_is_white_on_transparent() -> None:
    *_, rows = _png((bundled("manifest") / "outline.png").read_bytes())
    pixels = [row[x:x + 4] for row in rows for x in range(0, len(row), 4)]
    assert all(pixel[:3] == b"\xff\xff\xff" for pixel in pixels if pixel[3])
    assert any(pixel[3] == 0 for pixel in pixels) and any(pixel[3] == 255 for pixel in pixels)


def test_krisebot_manifest_writes_the_zip_with_every_file_at_its_root(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "manifest", **MANIFEST_SETTINGS)

    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "krisebot-teams-app.zip") as package:
        assert sorted(package.namelist()) == sorted([MANIFEST, LOCALIZATION, *ICONS])
        manifest = json.loads(package.read(MANIFEST))
        assert {manifest["icons"]["color"], manifest["icons"]["outline"]} == set(ICONS)
        assert package.read("color.png") == (bundled("manifest") / "color.png").read_bytes()
    assert_valid_manifest(manifest)


def test_krisebot_manifest_writes_where_it_is_told(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "manifest", "--out", "pakke/krisebot.zip", **MANIFEST_SETTINGS)

    assert result.returncode == 0, result.stderr
    assert zipfile.is_zipfile(tmp_path / "pakke" / "krisebot.zip")


def test_krisebot_manifest_names_every_missing_setting_and_writes_nothing(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "manifest", "--out", "app.zip")

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    for setting, line in zip(("KRISEBOT_BOT_APP_ID", "KRISEBOT_PUBLIC_URL"), lines):
        assert line.startswith(f"krisebot: {setting}") and "mangler" in line
    assert "Traceback" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


def test_without_graph_the_manifest_declares_no_graph_app_and_no_activity_feed(tmp_path: Path) -> None:
    without_graph = {k: v for k, v in MANIFEST_SETTINGS.items() if not k.startswith("KRISEBOT_GRAPH_")}

    result = krisebot(tmp_path, "manifest", **without_graph)

    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "krisebot-teams-app.zip") as package:
        manifest, english = json.loads(package.read(MANIFEST)), json.loads(package.read(LOCALIZATION))
    assert "webApplicationInfo" not in manifest and "activities" not in manifest
    assert not [key for key in english if key.startswith("activities.")]
    assert manifest["bots"][0]["commandLists"]
    assert_valid_manifest(manifest)


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("KRISEBOT_GRAPH_CLIENT_ID", "KRISEBOT_GRAPH_CLIENT_ID (eller KRISEBOT_GRAPH_MANAGED_IDENTITY_CLIENT_ID)"),
        ("KRISEBOT_BOT_APP_ID", "KRISEBOT_BOT_APP_ID"),
    ],
)
def test_krisebot_manifest_refuses_an_id_that_is_no_guid(tmp_path: Path, setting: str, named: str) -> None:
    result = krisebot(tmp_path, "manifest", **(MANIFEST_SETTINGS | {setting: "krisebot"}))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"krisebot: {named}: skal være et GUID")
    assert not list(tmp_path.glob("*.zip"))
