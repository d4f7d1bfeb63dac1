"""The rest of the management («den øvrige ledelse») in a plan file: managers who hold no role, whom the director
may inform, who then answer like anyone in the plan. The bundled plan with one such manager added (no number)."""

from pathlib import Path

import pytest

from bot.core.actions import Acknowledge, Decide
from bot.core.commands import SendPage
from bot.core.events import DirectorDecision, PagePurpose
from bot.core.lifecycle import Accepted, step
from bot.core.replies import Answer, answers
from bot.errors import PlanError
from bot.plan import Plan, load_plan
from bot.render.crisis_cards import director_card
from bot.resources import default_plan_path
from tests.stories import T0, at_director, run

MANAGER = """
[[management]]
id = "bodil"
name = "Bodil Berg"
title = "Direktør for Børn og Unge"
email = "Bodil.Berg@Struer.dk"
"""


def plan_with(tmp_path: Path, extra: str) -> Plan:
    path = tmp_path / "plan.toml"
    path.write_text(default_plan_path().read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_plan(path)


def test_a_manager_of_the_plan_file_is_offered_informed_and_may_acknowledge(tmp_path: Path) -> None:
    plan = plan_with(tmp_path, MANAGER)
    assert plan.person_by_email("bodil.berg@struer.dk") is plan.person_by_id["bodil"]
    assert len(plan.people) == 7 and plan.roles_of("bodil") == []

    card = director_card(plan, at_director(plan), "da", person="jesper", now=T0)
    [members] = [e for a in card["actions"] if a["type"] == "Action.ShowCard" for e in a["card"]["body"] if e.get("id") == "members"]
    assert members["choices"][-1] == {"title": "Bodil Berg (Direktør for Børn og Unge)", "value": "bodil"}

    outcome = step(plan, at_director(plan), Decide(DirectorDecision.INFORM_MANAGEMENT, "teams", members=("bodil",)), actor="jesper", now=T0)
    assert isinstance(outcome, Accepted)
    assert SendPage("bodil", (), PagePurpose.INFORM) in outcome.commands
    assert answers(plan, outcome.state, PagePurpose.INFORM, "bodil") == [Answer.ACKNOWLEDGE]
    assert run(plan, outcome.state, Acknowledge("teams"), "bodil").page("bodil", PagePurpose.INFORM).acknowledged_at == T0


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (MANAGER.replace('"bodil"', '"emilbc"'), ("management[emilbc].id", "id 'emilbc' findes flere gange")),
        (
            MANAGER.replace("Bodil.Berg@Struer.dk", "EMILBC@struer.dk"),
            ("management[bodil].email", "e-mailadressen emilbc@struer.dk har både 'emilbc' og 'bodil': det skal være én persons"),
        ),
    ],
    ids=["id", "email"],
)
def test_a_manager_shares_no_id_or_address_with_the_people(tmp_path: Path, extra: str, problem: tuple[str, str]) -> None:
    with pytest.raises(PlanError) as caught:
        plan_with(tmp_path, extra)
    assert caught.value.problems == [problem]
