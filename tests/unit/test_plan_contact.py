"""The plan's contact order: per purpose, checked when the plan is read."""

import pytest
from pydantic import ValidationError

from bot.core.events import PagePurpose
from bot.plan import load_plan
from bot.plan.contact import DEFAULT_ORDER, Channel, ContactOrder, Contacts, Purpose
from bot.resources import default_plan_path

PLANNED = [purpose for purpose in PagePurpose if purpose is not PagePurpose.EXTERNAL]
"""The purposes whose channels the plan's contact order decides."""


def test_the_bundled_plan_calls_first_with_the_card_and_texts_after() -> None:
    order = load_plan(default_plan_path()).contact_procedure.channels
    for purpose in PLANNED:
        assert order.for_purpose(purpose.value).first == (Channel.VOICE, Channel.TEAMS, Channel.FEED, Channel.MAIL)
        assert order.for_purpose(purpose.value).then == (Channel.SMS,)


def test_an_external_participants_summons_texts_and_calls_at_once_when_the_plan_calls_people() -> None:
    calling = load_plan(default_plan_path()).contact_procedure.channels
    assert calling.for_purpose(PagePurpose.EXTERNAL) == ContactOrder(first=(Channel.SMS, Channel.VOICE))
    assert Contacts().for_purpose(PagePurpose.EXTERNAL) == ContactOrder(first=(Channel.SMS,)), "a plan that never calls"


def test_a_purpose_may_have_an_order_of_its_own_and_the_rest_keep_the_plans() -> None:
    contacts = Contacts.model_validate({"purposes": {"monitoring": {"first": ["teams"], "then": ["sms"]}}})
    assert contacts.for_purpose("monitoring").first == (Channel.TEAMS,)
    assert contacts.for_purpose("triage") == DEFAULT_ORDER


def test_the_purposes_a_plan_may_name_are_the_page_purposes_but_an_external_participants_summons() -> None:
    assert set(Purpose.__args__) == {purpose.value for purpose in PLANNED}  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="triage"):
        Contacts.model_validate({"purposes": {"external": {"first": ["teams"]}}})


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"order": {"first": ["teams"], "then": ["teams"]}}, "en kanal står flere gange"),
        ({"order": {"first": []}}, "at least 1"),
        ({"order": {"first": ["fax"]}}, "voice"),
        ({"purposes": {"alarm": {"first": ["teams"]}}}, "triage"),
    ],
)
def test_a_bad_contact_order_is_refused(given: dict, said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        Contacts.model_validate(given)
