"""Where feed notifications and page mails lead, and the feed's activity type as the manifest declares it."""

import jsonschema

from bot.channels.feed import ACTIVITY_TYPE, MANIFEST_ACTIVITY_TYPE
from bot.graph.links import chat_url
from bot.settings import load_settings
from tests.schemas import manifest_schema


def test_with_a_bot_the_link_opens_the_chat_with_it() -> None:
    settings = load_settings(_env_file=None, bot_app_id="b07-id", bot_tenant_id="t", bot_app_password="pw")
    assert chat_url(settings) == "https://teams.microsoft.com/l/chat/0/0?users=28:b07-id"


def test_without_a_bot_the_link_is_the_public_url_or_teams() -> None:
    assert chat_url(load_settings(_env_file=None, public_url="https://krise.struer.dk")) == "https://krise.struer.dk/"
    assert chat_url(load_settings(_env_file=None)) == "https://teams.microsoft.com/"


def test_the_activity_type_fits_the_manifest_schema() -> None:
    item = manifest_schema()["properties"]["activities"]["properties"]["activityTypes"]["items"]
    jsonschema.validate(MANIFEST_ACTIVITY_TYPE, item)
    assert MANIFEST_ACTIVITY_TYPE["type"] == ACTIVITY_TYPE
    assert "{purpose}" in MANIFEST_ACTIVITY_TYPE["templateText"] and "{crisis}" in MANIFEST_ACTIVITY_TYPE["templateText"]
