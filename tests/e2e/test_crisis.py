"""A crisis run by the people of the plan in Microsoft 365 Agents Playground: the IT head raises
and triages an alarm, the director activates the crisis staff from his card, the summons and the
situation card show who is coming, and the director records from the situation card that he
reached the finance head by phone."""

from tests.e2e.harness import CLAUS, JESPER, expect


def test_an_alarm_runs_from_the_form_through_triage_and_activation_to_the_summons_and_a_recorded_contact(chat_as):
    jesper, claus = chat_as(JESPER), chat_as(CLAUS)

    form = claus.card(claus.ask("alarm"))
    claus.choose("Hvor kommer alarmen fra?", "Overvågningssystemer", card=form)
    claus.check("IT-infrastruktur", card=form)
    claus.fill("Hvad er sket?", "Serverrummet er uden strøm", card=form)
    claus.click("Send alarm", card=form)
    expect(form).to_contain_text("er sendt")

    triage = claus.card(claus.message("vurdér omfanget"))
    expect(triage).to_contain_text("Serverrummet er uden strøm")
    claus.fill("Din vurdering", "Alle servere på rådhuset er nede", card=triage)
    claus.click("Underret kommunaldirektøren", card=triage)
    expect(triage).to_contain_text("Kommunaldirektøren underrettet")
    expect(triage.get_by_role("button", name="Underret kommunaldirektøren")).to_have_count(0)

    director = jesper.card(jesper.message("Skal kriseberedskabet aktiveres?"))
    expect(director).to_contain_text("Alle servere på rådhuset er nede")
    jesper.click("Aktivér kriseberedskab", card=director)
    jesper.click("Aktivér og indkald", card=director)
    expect(director).to_contain_text("Kriseberedskab aktiveret")

    summons = claus.card(claus.message("Indkaldelse"))
    expect(summons).to_contain_text("Byrådssalen")
    claus.fill("Forventet ankomst", "15 min", card=summons)
    claus.click("Kommer", card=summons)
    expect(summons).to_contain_text("Kommer, ankomst 15 min")

    situation = jesper.card(jesper.ask("status"))
    expect(situation).to_contain_text("Kriseberedskab aktiveret")
    expect(situation).to_contain_text("Kommer (1)")
    expect(situation).to_contain_text("ankomst ca.")

    jesper.click("Registrér kontakt", card=situation)
    jesper.choose("Hvem blev kontaktet?", "Henrik Jebjerg Mogensen", card=situation)
    jesper.choose("Hvordan?", "Telefon", card=situation)
    jesper.choose("Svar", "Kommer", card=situation)
    jesper.fill("Ankomst (hvis kommer)", "20 min", card=situation)
    jesper.click("Registrér", card=situation)
    expect(situation).to_contain_text("Kommer (2)")  # the tapped card is replaced by the situation as it is now

    top = jesper.card(jesper.ask("status")).inner_text()
    coming = top.index("Kommer (2)")
    assert "Henrik Jebjerg Mogensen" in top[coming:top.index("Serverrummet er uden strøm")], top
    assert coming < top.index("Serverrummet er uden strøm") < top.index("Vis leveringsdetaljer"), top
    assert top.index("⚠ Ingen kommer for") < coming, "the missing roles lead"


def test_markdown_in_an_alarm_shows_as_typed_and_links_nowhere(chat_as):
    claus = chat_as(CLAUS)
    typed = "[Kvittér her](https://evil.example/login) **fed** <b>x</b>"

    form = claus.card(claus.ask("alarm"))
    claus.choose("Hvor kommer alarmen fra?", "Overvågningssystemer", card=form)
    claus.fill("Hvad er sket?", typed, card=form)
    claus.click("Send alarm", card=form)
    expect(form).to_contain_text("er sendt")

    triage = claus.card(claus.message("vurdér omfanget"))
    expect(triage).to_contain_text(typed)
    expect(triage.locator("a[href*='evil.example']")).to_have_count(0)
    expect(triage.locator("b, strong").filter(has_text="fed")).to_have_count(0)
