"""End-to-end harness: the real ``krisebot serve`` behind Microsoft 365 Agents Playground,
driven in headless Chromium by Playwright, one playground instance per person.

    bot process  <-- /api/messages --  LocaleProxy  <--  agentsplayground (one per person)
        |                                                     ^        ^
        +---- replies, member lookup, proactive messages -----+        | http + websocket
                         (the playground's serviceUrl)             Chromium page (Chat)

The playground stamps every activity ``locale: "en-US"`` (hard-coded in 0.2.x), so each
instance talks to the bot through a small proxy that rewrites the locale to the person's
(``da-DK`` by default, like a Danish Teams client) and logs every activity and answer.
Everything else goes straight between the bot and the playground.

Besides the person's 1:1 chat, a page can show a channel of the person's team (``open_channel``),
where Krisebot keeps a thread per crisis once someone there has made it the log channel; a whole
crisis as the plan's people run it is the steps at the end of this module.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.serve import free_port

if TYPE_CHECKING:  # playwright is imported lazily: the suite must collect without it
    from playwright.sync_api import Locator, Page

REPO = Path(__file__).resolve().parents[2]
PLAYGROUND_BIN = REPO / "node_modules" / ".bin" / "agentsplayground"
TENANT = "5d6a8f1e-0000-4000-8000-5712ae5c0000"
BOT_ID = "28:krisebot-e2e"
BOT_NAME = "Krisebot"

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
START_TIMEOUT = 30.0  # seconds for a process to become ready
UI_TIMEOUT_MS = 15_000  # milliseconds for the page to show what a test waits for


def expect(actual: Any, message: str | None = None) -> Any:
    """Playwright's ``expect`` (imported on use, so tests collect where playwright is missing)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual, message)


# ---------------------------------------------------------------------------------------
# Prerequisites


def chromium_path() -> str | None:
    """Debian's Chromium (``E2E_CHROMIUM`` overrides the path)."""
    wanted = os.environ.get("E2E_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing_prerequisites() -> list[str]:
    """What the e2e tests need and this machine lacks, each with how to get it."""
    missing = []
    if chromium_path() is None:
        missing.append("Chromium (/usr/bin/chromium: `apt-get install chromium`, or run ./dev test as root)")
    if shutil.which("node") is None:
        missing.append("Node.js (`node` on PATH: `apt-get install nodejs npm`)")
    if not PLAYGROUND_BIN.exists():
        missing.append("Microsoft 365 Agents Playground (node_modules/.bin/agentsplayground: `npm ci`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (`pip install -e '.[test]'`, which ./dev test does)")
    return missing


# ---------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class Person:
    """Someone at a Teams client: what their playground's config says about them."""

    name: str
    email: str
    locale: str = "da-DK"

    @property
    def given_name(self) -> str:
        return self.name.split()[0]

    @property
    def surname(self) -> str:
        return self.name.split()[-1]

    @property
    def aad_object_id(self) -> str:
        """A stable Entra object id; the bundled plan has none, so the bot maps people by UPN."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"krisebot-e2e:{self.email.lower()}"))

    @property
    def teams_id(self) -> str:
        return f"29:1{self.aad_object_id}"

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.email.lower()).strip("-")

    def speaking(self, locale: str) -> Person:
        """The same person on a Teams client in another language (``"en-US"``)."""
        return Person(self.name, self.email, locale)


JESPER = Person("Jesper Thyrring Møller", "jesper@struer.dk")  # kommunaldirektør, kriseleder
CLAUS = Person("Claus Vagn Ohrt", "cvo@struer.dk")  # afdelingsleder for IT og Digitalisering
OUTSIDER = Person("Anne Andersen", "anne@example.org")  # not in the plan

LOG_CHANNEL = "Logbog"  # the team's channel a crisis room follows (the playground adds its own «General» beside it)

# The playground wants at least five other users in its tenant; these are never in the plan.
_EXTRAS = [Person(f"Kollega {n}", f"kollega{n}@example.org") for n in range(1, 6)]


def playground_config(person: Person, *, chat_id: str) -> str:
    """The playground's YAML config with ``person`` as the current user (JSON is valid YAML)."""

    def user(p: Person) -> dict[str, str]:
        return {
            "id": p.teams_id, "name": p.name, "userPrincipleName": p.email, "aadObjectId": p.aad_object_id,
            "givenName": p.given_name, "surname": p.surname, "email": p.email,
        }

    config = {
        "version": "0.1.1",
        "tenantId": TENANT,
        "bot": {"id": BOT_ID, "name": BOT_NAME},
        "currentUser": user(person),
        "users": [user(p) for p in _EXTRAS if p.email != person.email],
        "personalChat": {"id": chat_id},
        "groupChat": {"id": f"19:krisestab-{person.slug}@thread.v2", "name": "Krisestab"},
        "team": {
            "id": f"19:team-{person.slug}@thread.tacv2",
            "name": "Krisestab",
            "aadGroupId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"krisebot-e2e-team:{person.email}")),
            "channels": [{"id": f"19:logbog-{person.slug}@thread.tacv2", "name": LOG_CHANNEL}],
        },
    }
    return json.dumps(config, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------------------
# Processes


_running: set[subprocess.Popen] = set()


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_running):
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Stop ``proc`` and every process it started (its own process group)."""
    _running.discard(proc)
    if proc.poll() is None:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
    # the leader may be gone while children linger in the group
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.name = name
        self.log = log
        self._out = open(log, "wb")
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _running.add(self.proc)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until(self, ready: Callable[[], Any], what: str, timeout: float = START_TIMEOUT) -> Any:
        """Poll ``ready()`` until it returns something truthy; fail if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            result = ready()
            if result:
                return result
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before {what}:\n{tail(self.log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not {what} after {timeout:.0f} s:\n{tail(self.log)}")
            time.sleep(0.1)

    def stop(self) -> None:
        _kill_group(self.proc)
        self._out.close()


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"({path} missing)"
    return "\n".join(text.splitlines()[-lines:])


def _http_status(url: str, method: str = "GET") -> int | None:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any KRISEBOT_ setting (the bot gets only what we pass)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRISEBOT_")}
    env.update(extra)
    return env


@dataclass
class Bot:
    """The real service: ``krisebot serve`` on a free port with a fresh database."""

    process: Process
    port: int
    database: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.process.log

    def stop(self) -> None:
        self.process.stop()


def start_bot(workdir: Path, **settings: str) -> Bot:
    """Start ``krisebot serve`` in ``workdir`` (no stray .env); ``settings`` are extra KRISEBOT_ values."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    database = workdir / "krisebot.db"
    env = _clean_env(KRISEBOT_PORT=str(port), KRISEBOT_DATABASE=str(database), PYTHONUNBUFFERED="1")
    env.update({f"KRISEBOT_{k.upper()}": v for k, v in settings.items()})
    executable = Path(sys.executable).parent / "krisebot"
    argv = [str(executable), "serve"] if executable.exists() else [sys.executable, "-m", "bot", "serve"]
    process = Process("krisebot", argv, env=env, cwd=workdir, log=workdir / "krisebot.log")
    bot = Bot(process, port, database)
    try:
        process.wait_until(lambda: _http_status(f"{bot.url}/readyz") == 200, "ready (/readyz 200)")
    except BaseException:
        process.stop()
        raise
    return bot


# ---------------------------------------------------------------------------------------
# Locale proxy between a playground and the bot


class LocaleProxy:
    """Forwards the playground's requests to the bot, rewriting the activity locale.

    Every request and the bot's answer are logged, one line each, to ``log``; ``answered``
    counts the activities the bot has answered, by type (``"message"``, ``"invoke"`` …).
    """

    def __init__(self, target: str, locale: str | None, log: Path) -> None:
        self.target = target.rstrip("/")
        self.locale = locale
        self.log = log
        self.answered: Counter[str] = Counter()
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="locale-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_answered(self, kind: str, count: int, timeout: float = START_TIMEOUT) -> None:
        """Wait until the bot has answered ``count`` activities of type ``kind``."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.answered[kind] >= count, timeout):
                raise AssertionError(f"the bot answered {self.answered[kind]} {kind} activities, not {count}")

    def _record(self, kind: str | None, line: str) -> None:
        with self._changed:
            with open(self.log, "a", encoding="utf-8") as out:
                out.write(f"{time.strftime('%H:%M:%S')} {line}\n")
            if kind:
                self.answered[kind] += 1
            self._changed.notify_all()

    def rewrite(self, body: bytes) -> tuple[bytes, dict[str, Any] | None]:
        """The body with the locale set, and the activity (None if it is not one)."""
        try:
            activity = json.loads(body)
        except ValueError:
            return body, None
        if not isinstance(activity, dict):
            return body, None
        if self.locale:
            activity["locale"] = self.locale
            for entity in activity.get("entities") or []:
                if isinstance(entity, dict) and entity.get("type") == "clientInfo":
                    entity["locale"] = self.locale
            body = json.dumps(activity).encode()
        return body, activity

    @staticmethod
    def summary(activity: dict[str, Any] | None) -> str:
        if activity is None:
            return ""
        parts = [activity.get("type"), activity.get("name")]
        if activity.get("text"):
            parts.append(repr(activity["text"])[:80])
        if activity.get("value"):
            parts.append("value=" + json.dumps(activity["value"], ensure_ascii=False)[:200])
        if activity.get("type") in ("installationUpdate", "conversationUpdate"):
            parts.append(f"serviceUrl={activity.get('serviceUrl')}")
        return " ".join(str(part) for part in parts if part)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                activity = None
                if body and "json" in (self.headers.get("Content-Type") or ""):
                    body, activity = proxy.rewrite(body)
                headers = {
                    k: v for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection", "transfer-encoding")
                }
                target = urllib.parse.urlsplit(proxy.target)
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    answer = conn.getresponse()
                    data = answer.read()
                    status, reason, answer_headers = answer.status, answer.reason, answer.getheaders()
                except OSError as exc:
                    status, reason, answer_headers, data = 502, "Bad Gateway", [], str(exc).encode()
                finally:
                    conn.close()
                self.send_response(status, reason)
                for k, v in answer_headers:
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                shown = f" {data[:300].decode('utf-8', 'replace')}" if data and self.command == "POST" else ""
                proxy._record(
                    activity.get("type") if activity else None,
                    f"{self.command} {self.path} {proxy.summary(activity)} -> {status}{shown}",
                )

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        return Handler


# ---------------------------------------------------------------------------------------
# Playground


@dataclass
class Playground:
    """One Agents Playground instance, acting as ``person``."""

    person: Person
    process: Process
    proxy: LocaleProxy
    port: int
    chat_id: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """Where the bot sends replies and proactive messages for this person."""
        return f"http://localhost:{self.port}/_connector"

    @property
    def log_file(self) -> Path:
        """The playground's own log (more than its output: connections, warnings)."""
        return self.process.log.parent / "playground-file.log"

    def stop(self) -> None:
        self.process.stop()
        self.proxy.stop()


def start_playground(person: Person, bot: Bot, workdir: Path) -> Playground:
    """Start a playground for ``person`` on a free port, talking to ``bot`` through a locale proxy."""
    workdir.mkdir(parents=True, exist_ok=True)
    chat_id = f"a:1personal-{person.aad_object_id}"
    config = workdir / "m365agentsplayground.yml"
    config.write_text(playground_config(person, chat_id=chat_id), encoding="utf-8")
    proxy = LocaleProxy(bot.url, person.locale, workdir / "activities.log")
    port = free_port()
    env = _clean_env(
        TEAMSAPPTESTER_BROWSER="none",
        M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(config),
        M365_AGENTS_PLAYGROUND_LOGFILE=str(workdir / "playground-file.log"),  # Playground.log_file
        NO_UPDATE_NOTIFIER="1",
    )
    argv = [
        str(PLAYGROUND_BIN), "-e", f"{proxy.url}/api/messages", "-c", "msteams", "--dt", "-p", str(port),
    ]
    process = Process(f"playground for {person.email}", argv, env=env, cwd=workdir, log=workdir / "playground.log")
    try:
        # it falls back to a random port when ours was taken: read the one it chose
        listening = process.wait_until(
            lambda: re.search(r"Listening on (\d+)", process.output()), "listening")
        port = int(listening.group(1))
        process.wait_until(lambda: _http_status(f"http://127.0.0.1:{port}/") == 200, "serving its page")
    except BaseException:
        process.stop()
        proxy.stop()
        raise
    return Playground(person, process, proxy, port, chat_id)


# ---------------------------------------------------------------------------------------
# A person's chat with the bot in the playground's page

# The playground marks each message with a header; only the bot's messages name an author.
_BOT_HEADER = '[aria-label="Message header"]:has([aria-label="Message author"])'
_OWN_HEADER = '[aria-label="Message header"]:not(:has([aria-label="Message author"]))'
_EDITOR = '[data-lexical-editor="true"]'
CARD = ".ac-adaptiveCard"  # the root of a card drawn by Microsoft's Adaptive Cards renderer


@dataclass
class Chat:
    """``person``'s 1:1 chat with the bot, in their own playground and browser page.

    Messages and cards are Playwright Locators: check them with ``expect(...)``, read them
    with ``.inner_text()``. A card answered by ``Action.Execute`` is replaced in place (no
    new message), so keep the card's locator and expect the new text on it.
    """

    person: Person
    playground: Playground
    page: Page
    _mark: int = field(default=0)

    # -- messages ---------------------------------------------------------------------

    @property
    def bot_messages(self) -> Locator:
        """Every message from the bot, oldest first (each the whole message: header, text, cards)."""
        return self.page.locator(_BOT_HEADER).locator("xpath=../..")

    @property
    def own_messages(self) -> Locator:
        """Every message this person sent, oldest first."""
        return self.page.locator(_OWN_HEADER).locator("xpath=../..")

    def mark(self) -> None:
        """Remember how many bot messages there are; ``reply()`` waits for the ones after."""
        self._mark = self.bot_messages.count()

    def say(self, text: str) -> None:
        """Type ``text`` into the compose box and press Enter; wait until it shows as sent."""
        self.mark()
        before = self.own_messages.count()
        editor = self.page.locator(_EDITOR)
        editor.click()
        editor.press_sequentially(text)
        editor.press("Enter")
        self._wait_for(self.own_messages, before + 1, f"the message {text!r} to show as sent")

    def reply(self, nth: int = 1) -> Locator:
        """The ``nth`` bot message after the last ``say``/``mark`` (waits for it to arrive)."""
        self._wait_for(self.bot_messages, self._mark + nth, f"bot message {nth} after the mark")
        return self.bot_messages.nth(self._mark + nth - 1)

    def ask(self, text: str) -> Locator:
        """``say(text)`` and return the bot's first reply."""
        self.say(text)
        return self.reply()

    def message(self, containing: str) -> Locator:
        """The newest bot message containing ``containing`` (waits for it: proactive messages)."""
        found = self.bot_messages.filter(has_text=containing).last
        try:
            found.wait_for(state="attached")
        except Exception:
            raise AssertionError(
                f"{self.person.name}: no bot message containing {containing!r} within {UI_TIMEOUT_MS / 1000:.0f} s"
            ) from None
        return found

    # -- cards ------------------------------------------------------------------------

    def card(self, within: Locator | None = None) -> Locator:
        """The Adaptive Card in message ``within`` (default: the newest bot message right now).

        The locator is tied to that message, so it stays on the same card when more
        messages arrive and follows it when an Action.Execute answer replaces it.
        """
        if within is None:
            self._wait_for(self.bot_messages, 1, "a bot message")
            within = self.bot_messages.nth(self.bot_messages.count() - 1)
        return within.locator(CARD).last

    def click(self, name: str, *, card: Locator | None = None) -> Locator:
        """Press the button ``name`` (exact title) on ``card`` (default: the newest); return the card.

        Marks first, so ``reply()`` afterwards waits for messages the tap caused.
        """
        target = card if card is not None else self.card()
        self.mark()
        target.get_by_role("button", name=name, exact=True).click()
        return target

    def fill(self, label: str, text: str, *, card: Locator | None = None) -> None:
        """Type ``text`` into the card's Input.Text labelled ``label``."""
        (card if card is not None else self.card()).get_by_role("textbox", name=label).fill(text)

    def choose(self, label: str, option: str, *, card: Locator | None = None) -> None:
        """Pick ``option`` in a compact Input.ChoiceSet (a dropdown) labelled ``label``."""
        (card if card is not None else self.card()).get_by_role("combobox", name=label).click()
        self.page.get_by_role("option", name=option, exact=True).click()

    def check(self, option: str, *, card: Locator | None = None) -> None:
        """Tick ``option`` in an expanded multi-select Input.ChoiceSet (checkboxes)."""
        (card if card is not None else self.card()).get_by_role("checkbox", name=option).check()

    # -- reports ----------------------------------------------------------------------

    def transcript(self) -> str:
        """The visible text of the page (for failure reports)."""
        return self.page.locator("body").inner_text(timeout=2_000)

    def _wait_for(self, locator: Locator, count: int, what: str) -> None:
        try:
            locator.nth(count - 1).wait_for(state="attached")
        except Exception:
            raise AssertionError(
                f"{self.person.name}: waited {UI_TIMEOUT_MS / 1000:.0f} s for {what} "
                f"(there are {locator.count()})"
            ) from None


def open_chat(page: Page, playground: Playground) -> Chat:
    """Open the playground's page on its Personal Chat with the bot.

    Each page load makes the playground send the bot installationUpdate and
    conversationUpdate, so the bot knows this person's chat (for proactive messages)
    from here on. A new page starts with an empty conversation.
    """
    answered = dict(playground.proxy.answered)
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(playground.url)
    page.get_by_role("treeitem", name="Personal Chat").click()
    page.locator(_EDITOR).wait_for(state="visible")
    for kind in ("installationUpdate", "conversationUpdate"):
        playground.proxy.wait_answered(kind, answered.get(kind, 0) + 1)
    return Chat(playground.person, playground, page)


# ---------------------------------------------------------------------------------------
# A channel of the team in the playground's page

_POST = '[role="group"]'  # a post with its replies, or the box that starts a new one
_NEW_POST = _POST + ':has(button:text-is("Post"))'  # the box that starts a new post
_MESSAGE_MENU = '[aria-label="Show more information"]'  # one per message, first or reply
LOG_LINE = re.compile(r"^\d\d:\d\d · .+", re.MULTILINE)  # a logbog event as Krisebot posts it: «08:17 · Claus …»


@dataclass
class TeamChannel:
    """A channel of the team «Krisestab» in ``person``'s playground, open in its own page.

    The playground draws a channel as Teams does: posts, each a thread of its first message
    and the replies under it. A bot sees a post only when it is mentioned in it.
    """

    playground: Playground
    page: Page
    name: str

    @property
    def person(self) -> Person:
        return self.playground.person

    def post(self, text: str) -> Locator:
        """Start a new post «@Krisebot ``text``» (the mention picked from the editor's menu); return that post."""
        editor = self.page.locator(_NEW_POST).locator(_EDITOR)
        editor.click()
        editor.press_sequentially("@" + BOT_NAME[:3])
        self.page.get_by_role("menuitem", name=BOT_NAME).click()  # named twice: avatar and name
        editor.press_sequentially(f" {text}")
        editor.press("Enter")
        return self.thread(text)

    def thread(self, containing: str) -> Locator:
        """The post (first message, replies, reply box) containing ``containing`` (waits for it, the page in front)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        self.page.bring_to_front()
        found = self.page.locator(_POST).filter(has=self.page.locator(_MESSAGE_MENU)).filter(has_text=containing)
        try:
            found.first.wait_for(state="attached")
        except PlaywrightTimeoutError:
            shot = self.playground.process.log.parent / "channel.png"
            self.page.screenshot(path=str(shot), full_page=True)
            raise AssertionError(
                f"{self.person.name}: no post in {self.name} containing {containing!r} within "
                f"{UI_TIMEOUT_MS / 1000:.0f} s (the page: {shot})"
            ) from None
        return found.first

    def screenshot(self, path: Path) -> None:
        """The whole page as PNG, made tall enough first that every post shows whole (the channel scrolls inside),
        without the playground's log panel."""
        self.page.get_by_title("Hide log panel").click()  # the playground's protocol log is no part of the channel
        tallest = self.page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight - e.clientHeight))"
        )
        size = self.page.viewport_size or {"width": 1280, "height": 900}
        self.page.set_viewport_size({"width": size["width"], "height": size["height"] + max(0, tallest)})
        self.page.screenshot(path=str(path), full_page=True)


def open_channel(chat: Chat, name: str) -> TeamChannel:
    """Open the team's channel ``name`` in a new page beside ``chat`` (same person, same playground)."""
    page = chat.page.context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(chat.playground.url)
    page.get_by_role("treeitem", name=f"Krisestab - {name}", exact=True).click()
    page.locator(_NEW_POST).wait_for(state="visible")
    return TeamChannel(chat.playground, page, name)


def log_lines(thread: Locator) -> list[str]:
    """The logbog lines posted as replies in ``thread``, oldest first, as the page shows them (not the lines
    the situation card on top quotes)."""
    paragraphs = thread.locator(f"p:not({CARD} *)").all_inner_texts()  # a reply's text is Markdown: paragraphs
    return [line for text in paragraphs for line in LOG_LINE.findall(text)]


# ---------------------------------------------------------------------------------------
# A crisis as the plan's people run it from their chats (each step waits until it shows)

PLACE = "Byrådssalen"  # the plan's meeting place


def raise_alarm(reporter: Chat, what: str, *, source: str = "Overvågningssystemer", deliveries: tuple[str, ...] = ()) -> str:
    """``reporter`` fills in the alarm form (``alarm``) and sends it; the crisis id the form confirms."""
    form = reporter.card(reporter.ask("alarm"))
    reporter.choose("Hvor kommer alarmen fra?", source, card=form)
    for delivery in deliveries:
        reporter.check(delivery, card=form)
    reporter.fill("Hvad er sket?", what, card=form)
    reporter.click("Send alarm", card=form)
    expect(form).to_contain_text("er sendt")
    sent = re.search(r"K-\d{4}-\d{3}", form.inner_text())
    assert sent, form.inner_text()
    return sent.group(0)


def answer_page(
    chat: Chat, containing: str, shows: str, *, fill: dict[str, str], press: tuple[str, ...], then: str
) -> Locator:
    """On the newest page card containing ``containing``, which must show ``shows``, type ``fill`` ({label: text})
    and press the buttons ``press`` in turn; the card, which then shows ``then``."""
    card = chat.card(chat.message(containing))
    expect(card).to_contain_text(shows)
    for label, text in fill.items():
        chat.fill(label, text, card=card)
    for button in press:
        chat.click(button, card=card)
    expect(card).to_contain_text(then)
    return card


def inform_director(it_head: Chat, alarm: str, assessment: str) -> Locator:
    """The IT head assesses the alarm (his page shows ``alarm``) and informs the director; the page card, answered."""
    return answer_page(
        it_head, "vurdér omfanget", alarm, fill={"Din vurdering": assessment}, press=("Underret kommunaldirektøren",),
        then="Kommunaldirektøren underrettet",
    )


def activate(director: Chat, assessment: str) -> Locator:
    """The director reads ``assessment`` on his page and activates the crisis staff; the page card, answered."""
    return answer_page(
        director, "Skal kriseberedskabet aktiveres?", assessment, fill={},
        press=("Aktivér kriseberedskab", "Aktivér og indkald"), then="Kriseberedskab aktiveret",
    )


def answer_summons(person: Chat, arrival: str) -> Locator:
    """``person`` answers the summons «Kommer» with an expected arrival; the summons card, answered."""
    return answer_page(
        person, "Indkaldelse", PLACE, fill={"Forventet ankomst": arrival}, press=("Kommer",),
        then=f"Kommer, ankomst {arrival}",
    )


def situation(chat: Chat) -> Locator:
    """The situation card ``status`` answers with."""
    return chat.card(chat.ask("status"))


def record_contact(leader: Chat, card: Locator, who: str, arrival: str) -> Locator:
    """On situation ``card``, ``leader`` records that he reached ``who`` by phone and ``who`` is coming; the card,
    replaced by the situation as it is now."""
    leader.click("Registrér kontakt", card=card)
    leader.choose("Hvem blev kontaktet?", who, card=card)
    leader.choose("Hvordan?", "Telefon", card=card)
    leader.choose("Svar", "Kommer", card=card)
    leader.fill("Ankomst (hvis kommer)", arrival, card=card)
    leader.click("Registrér", card=card)
    return card


def write_in_log(leader: Chat, card: Locator, kind: str, text: str) -> None:
    """On situation ``card``, ``leader`` writes ``text`` in the logbog as ``kind`` (Handling, Beslutning …)."""
    leader.click("Skriv i logbogen", card=card)
    leader.choose("Type", kind, card=card)
    leader.fill("Tekst", text, card=card)
    leader.click("Gem i logbogen", card=card)
    expect(card.get_by_role("button", name="Gem i logbogen")).to_have_count(0)


def close_crisis(leader: Chat, card: Locator, note: str) -> None:
    """On situation ``card``, ``leader`` closes the crisis with a closing ``note``."""
    leader.click("Afslut krisen", card=card)  # opens the closing form under the card's buttons
    leader.fill("Afsluttende bemærkning (valgfri)", note, card=card)
    card.get_by_role("button", name="Afslut krisen", exact=True).last.click()
    expect(card).to_contain_text("Afsluttet")
