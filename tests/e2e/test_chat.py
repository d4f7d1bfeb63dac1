"""A person talks to the real Krisebot in Microsoft 365 Agents Playground (Teams channel),
and sees what the playground renders: Adaptive Cards drawn by Microsoft's renderer."""

from tests.e2e.harness import CARD, CLAUS, OUTSIDER, expect


def test_help_card_lists_the_commands(chat_as):
    claus = chat_as(CLAUS)

    card = claus.card(claus.ask("hjælp"))

    expect(card).to_be_visible()
    expect(card).to_contain_text("Krisebot – Intern Service - Kritiske leverancer")
    for command in ("hjælp", "roller", "status"):
        expect(card.get_by_text(command, exact=True)).to_be_visible()


def test_roles_card_shows_the_crisis_leader_and_meeting_place(chat_as):
    claus = chat_as(CLAUS)

    card = claus.card(claus.ask("roller"))

    expect(card.get_by_text("Kriseleder", exact=True)).to_be_visible()
    expect(card).to_contain_text("Jesper Thyrring Møller")
    expect(card).to_contain_text("Byrådssalen")


def test_someone_outside_the_plan_is_not_shown_the_roster(chat_as):
    anne = chat_as(OUTSIDER)

    reply = anne.ask("roller")

    expect(reply).to_contain_text("Du står ikke i kriseplanen")
    expect(reply).not_to_contain_text("Jesper Thyrring Møller")
    expect(reply.locator(CARD)).to_have_count(0)
