"""The documented nginx proxy (``docs/nginx.conf``) keeps the local-only console SMS route off the internet."""

import re
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"


def test_the_proxy_answers_404_for_the_console_sms_route() -> None:
    text = re.sub(r"#.*", "", CONF.read_text(encoding="utf-8"))
    https_server = text[text.index("listen 443") :]

    block = re.search(r"location\s*=\s*/api/sms/console\s*\{([^}]*)\}", https_server)
    assert block is not None, "no exact location for /api/sms/console in the https server"
    assert re.fullmatch(r"\s*return\s+404\s*;\s*", block.group(1))
