"""The log thread of a whole crisis, as a crisis room reads it in the team's log channel.

The IT head makes the channel «Logbog» Krisebot's log channel, then the plan's people run a crisis
from their chats: alarm, assessment, activation, answers to the summons, a contact by phone, a
decision written in the logbog, the close. Krisebot keeps one thread per crisis in the channel;
the test opens it, keeps a picture of it (with ``E2E_UPDATE_PICTURES=1`` also as
docs/images/log-thread.png, which the project shows) and reads it: the situation card on top, then what people did and decided, in order.
"""

import os
import re
import shutil

from tests.e2e.harness import (
    CARD,
    CLAUS,
    JESPER,
    LOG_CHANNEL,
    REPO,
    activate,
    answer_summons,
    close_crisis,
    expect,
    inform_director,
    log_lines,
    open_channel,
    raise_alarm,
    record_contact,
    situation,
    write_in_log,
)

PICTURE = REPO / "docs" / "images" / "log-thread.png"
UPDATE_PICTURE = "E2E_UPDATE_PICTURES"
"""With it set, a passing run replaces the project's picture of the log thread (its times change every run)."""
ALARM = "Serverrummet er uden strøm"
ASSESSMENT = "Alle servere på rådhuset er nede"
DECISION = "Borgerservice holder lukket, til serverne kører igen"
NOTE = "Strømmen er tilbage, og alle servere kører"
MIRRORED_MS = 30_000  # Krisebot posts each event into the thread shortly after it, one post at a time
DELIVERY_LINE = re.compile(r"^\d\d:\d\d · [^:]*: (Alarmering bestilt|Alarmeret|Alarmering af|Opkald til) ")
"""A delivery mechanic posted on its own: pages ordered, sent or failed, calls made (bot/render/human.py)."""


def test_the_log_thread_of_a_whole_crisis_shows_what_people_did_and_decided(chat_as, tmp_path):
    claus, jesper = chat_as(CLAUS), chat_as(JESPER)
    channel = open_channel(claus, LOG_CHANNEL)
    expect(channel.post("logkanal")).to_contain_text("Denne kanal er nu logkanal")

    crisis = raise_alarm(claus, ALARM, deliveries=("IT-infrastruktur",))
    inform_director(claus, ALARM, ASSESSMENT)
    activate(jesper, ASSESSMENT)
    answer_summons(claus, "15 min")
    card = situation(jesper)
    record_contact(jesper, card, "Henrik Jebjerg Mogensen", "20 min")
    write_in_log(jesper, card, "Beslutning", DECISION)
    close_crisis(jesper, card, NOTE)

    thread = channel.thread(crisis)
    expect(thread).to_contain_text("Krisen afsluttet", timeout=MIRRORED_MS)
    root = thread.locator(CARD).first
    expect(root).to_contain_text(f"{crisis}Situationsbillede")
    expect(root).to_contain_text("Afsluttet")  # the situation card is kept up to date in place
    channel.screenshot(tmp_path / PICTURE.name)

    lines = log_lines(thread)
    text = thread.inner_text()
    assert lines and text.index("Situationsbillede") < text.index(lines[0]), "the situation card tops the thread"
    story = [
        ("the alarm", f"Alarm fra Overvågningssystemer; berørte leverancer: IT-infrastruktur; anmelder: {CLAUS.name} – «{ALARM}»"),
        ("the assessment", f"Vurdering: Underret kommunaldirektøren – «{ASSESSMENT}»"),
        ("the decision", "Beslutning: Aktivér kriseberedskab"),
        ("Claus's answer", f"Svar på indkaldelse fra {CLAUS.name}: Kommer, ankomst ca. kl."),
        ("the contact", f"{JESPER.name} registrerede: Henrik Jebjerg Mogensen kontaktet"),
        ("the decision written in the logbog", f"Logbog (beslutning): {DECISION}"),
        ("the close", f"Krisen afsluttet – «{NOTE}»"),
    ]
    at = -1
    for what, sentence in story:
        found = [n for n, line in enumerate(lines) if sentence in line]
        assert found, f"no line with {what} ({sentence!r}) in the thread:\n" + "\n".join(lines)
        assert found[0] > at, f"{what} is out of order in the thread:\n" + "\n".join(lines)
        at = found[0]
    ids = [line for line in text.splitlines() if "(id " in line]
    mechanics = [line for line in lines if DELIVERY_LINE.search(line)]
    assert not ids + mechanics, "message ids and single deliveries a crisis room should not read:\n" + "\n".join(ids + mechanics)
    summary = [line for line in lines if re.search(r"Indkaldelse til \d+ person", line)]
    assert len(summary) == 1, "one summary of the summons «Indkaldelse til N personer: …»:\n" + "\n".join(lines)
    if os.environ.get(UPDATE_PICTURE):
        shutil.copyfile(tmp_path / PICTURE.name, PICTURE)
