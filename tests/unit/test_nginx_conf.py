"""The documented nginx proxy (``docs/nginx.conf``) keeps the local-only console routes off the internet."""

import re
from pathlib import Path

import pytest

from bot.channels.sms import console as console_sms
from bot.channels.voice import console as console_voice

CONF = Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"


@pytest.mark.parametrize("path", [console_sms.PATH, console_voice.PATH])
def test_the_proxy_answers_404_for_a_console_route(path: str) -> None:
    text = re.sub(r"#.*", "", CONF.read_text(encoding="utf-8"))
    https_server = text[text.index("listen 443") :]

    block = re.search(rf"location\s*=\s*{re.escape(path)}\s*\{{([^}}]*)\}}", https_server)
    assert block is not None, f"no exact location for {path} in the https server"
    assert re.fullmatch(r"\s*return\s+404\s*;\s*", block.group(1))
