"""The pages the Teams app links to: every URL the manifest names answers 200 from Krisebot, in Danish."""

import json
from urllib.parse import urlsplit

from bot.manifest import MANIFEST, app_package
from bot.plan import load_plan
from bot.resources import default_plan_path
from bot.settings import load_settings
from tests.unit.test_manifest import MANIFEST_SETTINGS

PUBLIC_URL = MANIFEST_SETTINGS["KRISEBOT_PUBLIC_URL"]


def _urls(node: object) -> list[str]:
    """Every http(s) URL anywhere in a JSON document but its ``$schema``."""
    if isinstance(node, dict):
        return [url for key, value in node.items() if key != "$schema" for url in _urls(value)]
    if isinstance(node, list):
        return [url for value in node for url in _urls(value)]
    return [node] if isinstance(node, str) and node.startswith(("http://", "https://")) else []


def _manifest() -> dict:
    settings = load_settings(_env_file=None, **{k.removeprefix("KRISEBOT_").lower(): v for k, v in MANIFEST_SETTINGS.items()})
    return json.loads(app_package(settings, load_plan(default_plan_path()))[MANIFEST])


async def test_every_url_the_manifest_names_answers_200_from_krisebot(settings_for, start_bot) -> None:
    manifest = _manifest()
    urls = _urls(manifest)
    assert set(manifest["developer"].values()) - {manifest["developer"]["name"]} <= set(urls)
    bot = await start_bot(settings_for(public_url=PUBLIC_URL))

    for url in urls:
        assert url.startswith(PUBLIC_URL), url
        response = await bot.client.get(urlsplit(url).path)
        assert response.status == 200, url
        assert response.content_type == "text/html"
        page = await response.text()
        assert '<html lang="da">' in page and "Struer Kommune" in page


async def test_the_privacy_page_says_what_krisebot_keeps_and_where_it_goes(settings_for, start_bot) -> None:
    privacy = urlsplit(_manifest()["developer"]["privacyUrl"]).path
    bot = await start_bot(settings_for())

    page = await (await bot.client.get(privacy)).text()

    for kept in ("Kriseplanen", "telefonnumre", "Logbogen", "hver sms ord for ord", "Teams", "sms-udbyder"):
        assert kept in page, kept
    assert "Struer Kommune er dataansvarlig" in page
