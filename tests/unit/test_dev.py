"""A newcomer's first steps, run for real: what ``./dev test`` installs, what the quick start
leaves in the clone, and where ``npm run playground`` looks for the bot.

``./dev`` runs in a copy of the repository's setup files with stand-ins for apt-get, npm and
the virtualenv's Python on a PATH that has no Node.js: each stand-in writes down how it was
called.
"""

import asyncio
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.channels.sms.base import OutgoingSms
from bot.channels.sms.console import ConsoleSms
from bot.channels.voice.base import OutgoingCall
from bot.channels.voice.console import Exchange
from bot.render.pdf import SYSTEM_PACKAGES
from bot.settings import Settings, load_settings
from tests.protocol.voice import RecordingDesk
from tests.unit.test_cli import _logbog_with_one_crisis, krisebot

REPO = Path(__file__).resolve().parents[2]
TOOLS = ("dirname", "rm", "sha256sum", "cut", "touch")
"""What ./dev itself calls from PATH (besides the stand-ins)."""
PDF_PACKAGES = " ".join(SYSTEM_PACKAGES)
"""What the PDF export needs from Debian, as ./dev installs it."""
DEBIAN_PACKAGES = f"nodejs npm {PDF_PACKAGES} postgresql"
"""What ./dev test installs from Debian on a machine with none of it (Chromium is there: ``E2E_CHROMIUM``)."""


def _stand_in(path: Path, body: str) -> None:
    path.write_text(f"#!{shutil.which('bash')}\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A copy of ./dev and its inputs whose .venv is already set up (a stand-in Python)."""
    clone = tmp_path / "krisebot"
    clone.mkdir()
    for name in ("dev", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy2(REPO / name, clone / name)
    venv = clone / ".venv" / "bin"
    venv.mkdir(parents=True)
    _stand_in(venv / "python", f'echo "python $*" >> {tmp_path}/calls')
    _stand_in(venv / "pip", "exit 0")
    digest = subprocess.run(["sha256sum", "pyproject.toml"], cwd=clone, capture_output=True, text=True, check=True)
    (clone / ".venv" / f".installed-{digest.stdout[:16]}").touch()
    return clone


def _dev_test(clone: Path, *, uid: int, python: str = sys.executable) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """``./dev test -q`` as user ``uid`` with ``PYTHON=python`` on a machine without Node.js, PostgreSQL and the PDF export's
    Debian packages; its output and every call it made."""
    calls, bin_dir = clone.parent / "calls", clone.parent / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    _stand_in(bin_dir / "id", f"echo {uid}")
    _stand_in(bin_dir / "dpkg-query", "exit 1")  # no Debian package is installed
    debian = clone.parent / "debian"  # what apt-get installs
    debian.mkdir()
    _stand_in(debian / "node", f'echo "node $*" >> {calls}')
    _stand_in(debian / "npm", f'echo "npm $*" >> {calls}; {shutil.which("mkdir")} -p node_modules')
    install = f'{shutil.which("ln")} -s {debian}/node {debian}/npm {bin_dir}/'
    _stand_in(bin_dir / "apt-get", f'echo "apt-get $*" >> {calls}; case "$*" in *install*) {install};; esac')
    env = {"PATH": str(bin_dir), "PYTHON": python, "E2E_CHROMIUM": sys.executable}
    result = subprocess.run(
        [shutil.which("bash"), str(clone / "dev"), "test", "-q"], env=env, capture_output=True, text=True, timeout=60
    )
    return result, calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


def test_dev_test_installs_node_npm_the_pdf_packages_and_postgresql_from_debian_when_they_are_missing(clone: Path) -> None:
    result, calls = _dev_test(clone, uid=0)

    assert result.returncode == 0, result.stderr
    assert f"installing Debian's {DEBIAN_PACKAGES}" in result.stderr
    assert calls == [
        "apt-get update -qq",
        f"apt-get install -y -qq {DEBIAN_PACKAGES}",
        "npm ci --no-audit --no-fund --loglevel=error",
        "python -m pytest -q",
    ]


def test_dev_test_names_the_missing_packages_when_it_may_not_install_them(clone: Path) -> None:
    result, calls = _dev_test(clone, uid=1000)

    assert result.returncode == 0, result.stderr
    wanted = DEBIAN_PACKAGES
    assert f"missing {wanted} (install Debian's {wanted} as root: apt-get install {wanted})" in result.stderr
    assert calls == ["python -m pytest -q"]


def test_a_venv_another_python_made_is_made_again_with_the_python_chosen(clone: Path) -> None:
    """The clone's .venv was made by Debian 12's Python 3.11; ./dev now runs on a newer one."""
    (clone / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n", encoding="utf-8")
    calls = clone.parent / "calls"
    stand_in = clone.parent / "python3.13"
    mkdir, cp, touch = (shutil.which(tool) for tool in ("mkdir", "cp", "touch"))
    venv_maker = (
        f'echo "python3.13 $*" >> {calls}; {mkdir} -p .venv/bin; {cp} {clone.parent}/venv-python .venv/bin/python; '
        f"{touch} .venv/bin/pip"
    )
    _stand_in(stand_in, f'case "$1" in -m) {venv_maker};; -c) echo 3.13;; esac')
    _stand_in(clone.parent / "venv-python", f'echo "python $*" >> {calls}')

    result, made = _dev_test(clone, uid=1000, python=str(stand_in))

    assert result.returncode == 0, result.stderr
    assert f"dev: .venv was made by Python 3.11: making it again with Python 3.13 ({stand_in})" in result.stderr
    assert made[0] == "python3.13 -m venv .venv"
    assert "python -m pip install --quiet -e .[test]" in made and made[-1] == "python -m pytest -q"


def test_dev_refuses_a_python_older_than_3_11(clone: Path) -> None:
    stand_in = clone.parent / "python3.10"
    _stand_in(stand_in, "exit 1")  # sys.version_info < (3, 11)

    result, calls = _dev_test(clone, uid=1000, python=str(stand_in))

    assert result.returncode == 2
    assert f"dev: Krisebot needs Python 3.11 or newer ({stand_in} is older or missing)" in result.stderr
    assert calls == []


def test_the_files_the_quick_start_writes_are_not_untracked_files(tmp_path: Path) -> None:
    """The logbog, the console SMS and call logs (phone numbers) and an exported logbog, in a clone's folder."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy2(REPO / ".gitignore", tmp_path / ".gitignore")
    settings = load_settings(_env_file=None)
    _logbog_with_one_crisis(tmp_path / settings.database)
    sms = OutgoingSms(to="+4529256511", text="Krise K-2026-001: svar 1K", ref="page-1")
    sent_at = datetime(2026, 3, 2, 7, 5, tzinfo=timezone.utc)
    asyncio.run(ConsoleSms(tmp_path / settings.sms_console_path, clock=lambda: sent_at).send([sms]))
    asyncio.run(_ring(Exchange(tmp_path / settings.voice_console_path, clock=lambda: sent_at)))
    assert krisebot(tmp_path, "export", "K-2026-001").returncode == 0

    written = {path.name for path in tmp_path.iterdir()} - {".git", ".gitignore"}
    assert {"krisebot.db", "krisebot-sms.log", "krisebot-calls.log", "K-2026-001.md", "K-2026-001.html"} <= written
    untracked = subprocess.run(
        ["git", "-C", str(tmp_path), "ls-files", "--others", "--exclude-standard"], capture_output=True, text=True, check=True
    )
    assert untracked.stdout.split() == [".gitignore"]
    pdfs = ["K-2026-001.pdf", "sms-uden-krise.pdf"]  # what «krisebot export --pdf» adds
    ignored = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", *pdfs], capture_output=True, text=True)
    assert ignored.stdout.split() == pdfs


async def _ring(exchange: Exchange) -> None:
    await exchange.ring(OutgoingCall(to="+4529256511", caller_id="", ref="ref-1"), "console-1", RecordingDesk())
    await exchange.aclose()


@pytest.mark.parametrize("port", [None, "4123"])
def test_npm_run_playground_talks_to_the_port_the_bot_listens_on(tmp_path: Path, port: str | None) -> None:
    script = json.loads((REPO / "package.json").read_text(encoding="utf-8"))["scripts"]["playground"]
    _stand_in(tmp_path / "agentsplayground", 'echo "$*"')
    env = {"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"} | ({"KRISEBOT_PORT": port} if port else {})

    result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, check=True)

    listening = port or str(Settings.model_fields["port"].default)
    assert f"-e http://127.0.0.1:{listening}/api/messages " in result.stdout
