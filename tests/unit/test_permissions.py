"""Who may do what, decided by the roles of the bundled plan (a role's primary or any deputy)."""

import pytest

from bot.core.permissions import Permission, allowed_roles, may, who_may
from bot.plan import Plan, load_plan
from bot.resources import default_plan_path

PEOPLE = ("jesper", "emilbc", "cvo", "peter", "hjm", "lak", "marialouiserj")
KRISELEDER = "Kriseleder (Jesper Thyrring Møller eller Emil B. Christensen)"
IT = "Ansvarlig for IT og Digitalisering (Claus Vagn Ohrt eller Peter Knudsen)"
SITUATION = "Ansvarlig for situationsbillede, log og dokumentation (Claus Vagn Ohrt eller Peter Knudsen)"
TABLE = {
    Permission.TRIAGE: (["it"], ("cvo", "peter"), IT),
    Permission.ACTIVATE: (["kriseleder"], ("jesper", "emilbc"), KRISELEDER),
    Permission.LEVEL_CHANGE: (["kriseleder"], ("jesper", "emilbc"), KRISELEDER),
    Permission.MEETING_PLACE: (["kriseleder"], ("jesper", "emilbc"), KRISELEDER),
    Permission.CLOSE: (["kriseleder"], ("jesper", "emilbc"), KRISELEDER),
    Permission.RECORD_CONTACT: (
        ["kriseleder", "situationsbillede"], ("jesper", "emilbc", "cvo", "peter"), f"{KRISELEDER}; {SITUATION}"
    ),
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


def test_every_permission_is_in_the_table() -> None:
    assert set(TABLE) == set(Permission)


@pytest.mark.parametrize("permission", list(Permission), ids=str)
def test_allowed_roles(plan: Plan, permission: Permission) -> None:
    assert allowed_roles(plan, permission) == TABLE[permission][0]


@pytest.mark.parametrize(
    ("permission", "person"),
    [(permission, person) for permission in Permission for person in (*PEOPLE, "mallory")],
    ids=lambda v: str(v),
)
def test_may(plan: Plan, permission: Permission, person: str) -> None:
    assert may(plan, person, permission) is (person in TABLE[permission][1])


@pytest.mark.parametrize("permission", list(Permission), ids=str)
def test_who_may_names_the_role_and_its_people(plan: Plan, permission: Permission) -> None:
    assert who_may(plan, permission) == TABLE[permission][2]


def test_who_may_activate_reads_as_a_refusal_needs(plan: Plan) -> None:
    text = who_may(plan, Permission.ACTIVATE)

    for part in ("Kriseleder", "Jesper Thyrring Møller", "Emil B. Christensen"):
        assert part in text


def test_a_plan_that_names_no_record_contact_lets_the_activate_roles_record(plan: Plan) -> None:
    permissions = plan.permissions.model_dump(exclude={"record_contact"})
    unnamed = Plan.model_validate({**plan.model_dump(), "permissions": permissions})

    assert allowed_roles(unnamed, Permission.RECORD_CONTACT) == ["kriseleder"]
