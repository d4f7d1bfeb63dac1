"""Command words as people type them in Teams."""

import pytest

from bot.core.text_commands import COMMANDS, CommandName, parse


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("hjælp", CommandName.HELP, ""),
        ("  HJÆLP  ", CommandName.HELP, ""),
        ("Help", CommandName.HELP, ""),
        ("hjaelp", CommandName.HELP, ""),
        ("roller", CommandName.ROLES, ""),
        ("roles", CommandName.ROLES, ""),
        ("status K-2026-003", CommandName.STATUS, "K-2026-003"),
        ("status\n  alt  ", CommandName.STATUS, "alt"),
    ],
)
def test_known_commands(text: str, name: CommandName, argument: str) -> None:
    parsed = parse(text)

    assert parsed is not None
    assert (parsed.command.name, parsed.argument) == (name, argument)


@pytest.mark.parametrize("text", ["", "   ", "hej", "statusrapport", "hjælp!"])
def test_other_text_is_no_command(text: str) -> None:
    assert parse(text) is None


def test_no_word_invokes_two_commands() -> None:
    words = [w.lower() for c in COMMANDS for w in (c.name.value, *c.aliases)]
    assert len(words) == len(set(words))
