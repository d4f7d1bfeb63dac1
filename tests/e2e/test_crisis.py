"""A crisis run by the people of the plan in Microsoft 365 Agents Playground: the IT head raises
and triages an alarm, the director activates the crisis staff from his card, the summons and the
situation card show who is coming, and the director records from the situation card that he
reached the finance head by phone."""

from tests.e2e.harness import (
    CLAUS,
    JESPER,
    activate,
    answer_summons,
    expect,
    inform_director,
    raise_alarm,
    record_contact,
    situation,
)


def test_an_alarm_runs_from_the_form_through_triage_and_activation_to_the_summons_and_a_recorded_contact(chat_as):
    jesper, claus = chat_as(JESPER), chat_as(CLAUS)

    raise_alarm(claus, "Serverrummet er uden strøm", deliveries=("IT-infrastruktur",))
    triage = inform_director(claus, "Serverrummet er uden strøm", "Alle servere på rådhuset er nede")
    expect(triage.get_by_role("button", name="Underret kommunaldirektøren")).to_have_count(0)
    activate(jesper, "Alle servere på rådhuset er nede")
    answer_summons(claus, "15 min")

    card = situation(jesper)
    expect(card).to_contain_text("Kriseberedskab aktiveret")
    expect(card).to_contain_text("Kommer (1)")
    expect(card).to_contain_text("ankomst ca.")

    record_contact(jesper, card, "Henrik Jebjerg Mogensen", "20 min")
    expect(card).to_contain_text("Kommer (2)")  # the tapped card is replaced by the situation as it is now

    top = situation(jesper).inner_text()
    coming = top.index("Kommer (2)")
    assert "Henrik Jebjerg Mogensen" in top[coming:top.index("Serverrummet er uden strøm")], top
    assert coming < top.index("Serverrummet er uden strøm") < top.index("Vis leveringsdetaljer"), top
    assert top.index("⚠ Ingen kommer for") < coming, "the missing roles lead"


def test_markdown_in_an_alarm_shows_as_typed_and_links_nowhere(chat_as):
    claus = chat_as(CLAUS)
    typed = "[Kvittér her](https://evil.example/login) **fed** <b>x</b>"

    raise_alarm(claus, typed)

    triage = claus.card(claus.message("vurdér omfanget"))
    expect(triage).to_contain_text(typed)
    expect(triage.locator("a[href*='evil.example']")).to_have_count(0)
    expect(triage.locator("b, strong").filter(has_text="fed")).to_have_count(0)
