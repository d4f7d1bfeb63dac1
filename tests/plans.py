"""Small plan files for tests: a minimal valid plan, one in which everyone can be reached, and the bundled plan with an
external participant Krisebot may summon."""

import tomllib
from pathlib import Path

from bot.plan import Plan
from bot.resources import default_plan_path

MINIMAL_PLAN = """
[organisation]
name = "Testkommune"
unit = "Testenhed"
title = "Testplan"

[escalation]
ack_timeout = "2m"
repeat = 2

[[people]]
id = "anna"
name = "Anna Andersen"
title = "Direktør"
email = "Anna@Example.dk"
phones = [{ number = "20 12 34 56", kind = "mobile" }]

[[people]]
id = "bo"
name = "Bo Bech"
title = "IT-chef"
email = "bo@example.dk"
phones = [{ number = "96 84 00 00", kind = "landline" }]

[[roles]]
id = "leder"
name = "Kriseleder"
function = "Direktøren"
primary = "anna"
deputies = ["bo"]

[[roles]]
id = "it"
name = "Ansvarlig for IT"
function = "IT-chefen"
primary = "bo"
ack_timeout = "90s"
repeat = 0

[[deliveries]]
id = "mail"
name = "Mail"

[[alarm_sources]]
id = "brugere"
name = "Brugere"

[[meeting_places]]
id = "salen"
kind = "primary"
name = "Salen"
address = "Rådhuset"

[levels]
order = [{ id = "center", name = "Centerniveau" }]
decided_by = ["leder"]
decision = "Kriseleder beslutter."
top_staff_contacts = ["leder"]

[alarm_chain]
triage_role = "it"
director_role = "leder"
steps = ["IT vurderer."]

[permissions]
triage = ["it"]
activate = ["leder"]
level_change = ["leder"]
meeting_place = ["leder"]
close = ["leder"]

[contact_procedure]
summons = ["Ring."]
contact = ["Ring igen."]
roster_owner = "bo"
"""


# MINIMAL_PLAN with every role deputised and every person on a mobile and linked to Entra.
READY_PLAN = (
    MINIMAL_PLAN.replace(
        'phones = [{ number = "20 12 34 56", kind = "mobile" }]',
        'phones = [{ number = "20 12 34 56", kind = "mobile" }]\nentra_object_id = "00000000-0000-0000-0000-00000000000a"',
    )
    .replace(
        'phones = [{ number = "96 84 00 00", kind = "landline" }]',
        'phones = [{ number = "96 84 00 00", kind = "landline" }, { number = "31 12 34 56", kind = "mobile" }]\n'
        'entra_object_id = "00000000-0000-0000-0000-00000000000b"',
    )
    .replace('primary = "bo"\n', 'primary = "bo"\ndeputies = ["anna"]\n')
)


def write_plan(folder: Path, text: str, name: str = "plan.toml") -> Path:
    """Write ``text`` as a plan file in ``folder`` and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SUMMONED_EXTERNAL = """
[[external_participants]]
id = "vagtchef"
name = "Vagtchef hos politiet"
phones = [{ number = "20 11 22 66", kind = "mobile" }]
summon = true
"""
"""An external participant Krisebot may summon: the bundled plan has none (the plan text gives its external
participants no mobile number), so tests that summon add this one."""


def with_summoned_external(text: str) -> str:
    """A plan's text with ``SUMMONED_EXTERNAL`` as its last external participant."""
    return text + SUMMONED_EXTERNAL


def summoning_plan() -> Plan:
    """The bundled plan with ``SUMMONED_EXTERNAL``."""
    return Plan.model_validate(tomllib.loads(with_summoned_external(default_plan_path().read_text(encoding="utf-8"))))
