"""Fixtures for end-to-end tests: the real service, one Agents Playground per person, Chromium.

    def test_something(chat_as):
        claus = chat_as(CLAUS)              # starts the bot, Claus's playground, his page
        card = claus.card(claus.ask("hjælp"))
        expect(card).to_contain_text("roller")

``./dev test`` installs the tools first. Whatever is still missing (Chromium, Node, the
playground, the Python playwright package) skips these tests, naming it; with CI=true they
fail instead (``tests/prerequisites.py``). On a failure the report gets the tail of every
process's output, the activities the bot saw, each person's chat as text, and a screenshot
path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import (
    CHROMIUM_FLAGS,
    UI_TIMEOUT_MS,
    Bot,
    Chat,
    Person,
    Playground,
    chromium_path,
    missing_prerequisites,
    open_chat,
    start_bot,
    start_playground,
    tail,
)
from tests.prerequisites import missing

E2E_DIR = Path(__file__).parent
TIMEZONE = "Europe/Copenhagen"  # the clients' clock, so the playground's message times match Krisebot's
_LOGS = pytest.StashKey[list[tuple[str, Path]]]()
_CHATS = pytest.StashKey[list[Chat]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end test in Microsoft 365 Agents Playground and Chromium (tests/e2e)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed and item.stash.get(_LOGS, None) is not None:
        for chat in item.stash.get(_CHATS, []):
            shot = chat.playground.process.log.parent / f"screenshot-{report.when}.png"
            try:
                chat.page.screenshot(path=str(shot), full_page=True)
                report.sections.append((f"chat of {chat.person.name} ({shot})", chat.transcript()[-4000:]))
            except Exception as exc:  # the page may be gone; the logs still help
                report.sections.append((f"chat of {chat.person.name}", f"(no page: {exc})"))
        for title, path in item.stash[_LOGS]:
            report.sections.append((f"{title} ({path})", tail(path, 60)))
    return report


def _register_log(request: pytest.FixtureRequest, title: str, path: Path) -> None:
    request.node.stash.setdefault(_LOGS, []).append((title, path))


@pytest.fixture(scope="session")
def e2e_ready() -> None:
    """Skip (or, in CI, fail) when a tool the e2e tests need is missing."""
    lacking = missing_prerequisites()
    if lacking:
        missing("e2e prerequisites missing: " + "; ".join(lacking))


@pytest.fixture
def krisebot(e2e_ready, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Bot]:
    """``krisebot serve`` as a subprocess on a free port with a fresh database in tmp_path."""
    bot = start_bot(tmp_path / "bot")
    _register_log(request, "krisebot output", bot.log)
    try:
        yield bot
    finally:
        bot.stop()


@pytest.fixture
def playground_for(krisebot: Bot, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[Person], Playground]]:
    """Factory: ``playground_for(person)`` starts (once per person) a playground acting as them."""
    started: dict[str, Playground] = {}

    def start(person: Person) -> Playground:
        if person.email not in started:
            playground = start_playground(person, krisebot, tmp_path / f"playground-{person.slug}")
            started[person.email] = playground
            _register_log(request, f"playground output for {person.name}", playground.process.log)
            _register_log(request, f"playground log file for {person.name}", playground.log_file)
            _register_log(request, f"activities {person.name} -> bot", playground.proxy.log)
        return started[person.email]

    try:
        yield start
    finally:
        for playground in started.values():
            playground.stop()


@pytest.fixture(scope="module")
def browser(e2e_ready) -> Iterator[object]:
    """Headless Debian Chromium under Playwright (no browser download), shared by a module.

    Not by the session: while Playwright's sync API is started, asyncio sees a running
    event loop in this thread, and every async test after it would fail.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def chat_as(browser, playground_for, request: pytest.FixtureRequest) -> Iterator[Callable[[Person], Chat]]:
    """Factory: ``chat_as(person)`` is that person's Personal Chat with the bot, in their own
    playground and their own browser context. Calling it again for the same person returns
    the same chat."""
    from playwright.sync_api import expect

    expect.set_options(timeout=UI_TIMEOUT_MS)
    chats: dict[str, Chat] = {}
    contexts = []

    def open_for(person: Person) -> Chat:
        if person.email not in chats:
            context = browser.new_context(
                locale=person.locale, timezone_id=TIMEZONE, viewport={"width": 1280, "height": 900})
            contexts.append(context)
            chat = open_chat(context.new_page(), playground_for(person))
            chats[person.email] = chat
            request.node.stash.setdefault(_CHATS, []).append(chat)
        return chats[person.email]

    try:
        yield open_for
    finally:
        for context in contexts:
            try:
                context.close()
            except Exception:
                pass
