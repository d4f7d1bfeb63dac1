"""The text commands the bot understands in a chat, in Danish with English aliases. Pure.

The help card and the Teams manifest's command menu are generated from ``COMMANDS``, and the
Teams handler reads messages with ``parse``, so what users are offered is what the bot understands.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class CommandName(StrEnum):
    HELP = "hjælp"
    ALARM = "alarm"
    STATUS = "status"
    LOG = "log"
    ROLES = "roller"
    ESCALATE = "eskalér"
    CLOSE = "afslut"
    EXPORT = "eksport"
    LOG_CHANNEL = "logkanal"
    CONTACT = "kontakt"
    EXTERNAL = "ekstern"
    ARRIVAL = "ankommet"


@dataclass(frozen=True, slots=True)
class Command:
    """A command: its Danish name, the other words that invoke it, and what it does per language.

    ``channel_only`` commands work only in a team channel, so the Teams command menu offers them
    only there. Commands with ``menu`` False are left out of the command menu (Teams shows at most
    ten); the help card lists every command.
    """

    name: CommandName
    aliases: tuple[str, ...]
    description: dict[str, str]
    members_only: bool
    channel_only: bool = False
    menu: bool = True

    def title(self, lang: str) -> str:
        """The word shown to a user of ``lang`` (the first alias, English, for English)."""
        return self.aliases[0] if lang == "en" and self.aliases else self.name.value


COMMANDS: tuple[Command, ...] = (
    Command(CommandName.HELP, ("help", "hjaelp", "?"), {"da": "Vis hvad jeg kan", "en": "Show what I can do"}, members_only=False),
    Command(
        CommandName.ALARM, (),
        {"da": "Slå alarm om en kritisk hændelse", "en": "Raise an alarm about a critical incident"},
        members_only=False,
    ),
    Command(
        CommandName.STATUS, (),
        {"da": "Aktive kriser og deres situationsbillede", "en": "Active crises and their situation picture"},
        members_only=True,
    ),
    Command(
        CommandName.LOG, (),
        {"da": "Skriv i logbogen: log [K-ÅÅÅÅ-NNN] tekst", "en": "Write in the crisis log: log [K-YYYY-NNN] text"},
        members_only=True,
    ),
    Command(
        CommandName.ROLES, ("roles",),
        {"da": "Kriseplanens roller, hvem der har dem, og hvordan de nås", "en": "The plan's roles, who holds them and how to reach them"},
        members_only=True,
    ),
    Command(
        CommandName.ESCALATE, ("escalate", "eskaler"),
        {
            "da": "Kald alle i kæden nu for roller uden kvittering (kriseleder): eskalér [K-ÅÅÅÅ-NNN]",
            "en": "Page everyone in the chain now for roles nobody acknowledged (crisis leader): escalate [K-YYYY-NNN]",
        },
        members_only=True,
    ),
    Command(
        CommandName.CLOSE, ("close",),
        {"da": "Afslut krisen (kriseleder): afslut [K-ÅÅÅÅ-NNN]", "en": "Close the crisis (crisis leader): close [K-YYYY-NNN]"},
        members_only=True,
    ),
    Command(
        CommandName.CONTACT, ("contact",),
        {
            "da": "Registrér at en person er kontaktet uden for Krisebot, og svaret (kriseleder, situationsbillede): "
            "kontakt [K-ÅÅÅÅ-NNN] <person> <telefon|personligt|mail|sms> <kvitteret|kommer [ankomst]|kommer ikke>",
            "en": "Record that a person was reached outside Krisebot, and the answer (crisis leader, situation picture): "
            "contact [K-YYYY-NNN] <person> <telefon|personligt|mail|sms> <kvitteret|kommer [arrival]|kommer ikke>",
        },
        members_only=True,
        menu=False,
    ),
    Command(
        CommandName.EXTERNAL, ("external",),
        {
            "da": "Registrér at en ekstern deltager (politi, beredskab …) er kontaktet eller tilkaldt, eller lad "
            "Krisebot indkalde den, hvis planen tillader det: "
            "ekstern [K-ÅÅÅÅ-NNN] <id|navn> <kontaktet|tilkaldt|indkald> [bemærkning]",
            "en": "Record that an external participant (police, emergency services …) was contacted or called in, or "
            "have Krisebot summon it where the plan allows: "
            "external [K-YYYY-NNN] <id|name> <kontaktet|tilkaldt|indkald> [note]",
        },
        members_only=True,
        menu=False,
    ),
    Command(
        CommandName.ARRIVAL, ("arrived",),
        {
            "da": "Registrér at du selv, en anden person eller en ekstern deltager er ankommet til mødestedet (en anden: "
            "kriseleder, situationsbillede): ankommet [person] [K-ÅÅÅÅ-NNN]",
            "en": "Record that you, another person or an external participant arrived at the meeting place (another: "
            "crisis leader, situation picture): arrived [person] [K-YYYY-NNN]",
        },
        members_only=True,
        menu=False,
    ),
    Command(
        CommandName.EXPORT, ("export",),
        {"da": "Logbogen for en krise: eksport [K-ÅÅÅÅ-NNN]", "en": "The crisis log: export [K-YYYY-NNN]"},
        members_only=True,
    ),
    Command(
        CommandName.LOG_CHANNEL, ("logchannel",),
        {"da": "Gør denne kanal til logkanal (IT-afdelingsleder)", "en": "Make this channel the log channel (IT head)"},
        members_only=True,
        channel_only=True,
    ),
)


def folded(text: str) -> str:
    """Lower-case, NFC-normalise and collapse white space, so ``Hjælp``, ``hjælp`` and ``HJÆLP`` match."""
    return unicodedata.normalize("NFC", " ".join(text.split()).lower())


_LOOKUP = {folded(word): command for command in COMMANDS for word in (command.name.value, *command.aliases)}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    command: Command
    argument: str


def parse(text: str) -> ParsedCommand | None:
    """The command that ``text`` starts with and the rest of the text; None if it names no command."""
    words = _SPACE.split(text.strip(), maxsplit=1)
    command = _LOOKUP.get(folded(words[0])) if words[0] else None
    if command is None:
        return None
    return ParsedCommand(command, words[1].strip() if len(words) > 1 else "")
