"""Entra's mobile number against the plan's: a sentence for the readiness report when they differ."""

from bot.graph.users import EntraUser, mobile_mismatch
from bot.plan import Person

ANNA = Person(id="anna", name="Anna Andersen", title="Direktør", email="anna@example.dk",
              phones=[{"number": "20 12 34 56", "kind": "mobile"}])
BO = Person(id="bo", name="Bo Bech", title="IT-chef", email="bo@example.dk",
            phones=[{"number": "96 84 00 00", "kind": "landline"}])


def entra(mobile: str | None) -> EntraUser:
    return EntraUser(id="oid", display_name="x", mail=None, mobile_phone=mobile)


def test_the_same_number_written_differently_is_no_mismatch() -> None:
    for written in ["20123456", "+45 20 12 34 56", "0045 20123456", "20 12 34 56"]:
        assert mobile_mismatch(ANNA, entra(written)) is None


def test_no_mobile_in_entra_is_no_mismatch() -> None:
    assert mobile_mismatch(ANNA, entra(None)) is None
    assert mobile_mismatch(ANNA, entra("")) is None


def test_a_different_number_is_named_and_the_plan_wins() -> None:
    assert mobile_mismatch(ANNA, entra("+45 31 12 34 56")) == (
        "Anna Andersen har mobilnummer +45 31 12 34 56 i Entra, men +45 20 12 34 56 i planen; planens nummer bruges."
    )


def test_a_mobile_only_entra_knows_is_named() -> None:
    assert mobile_mismatch(BO, entra("31123456")) == (
        "Bo Bech har mobilnummer +45 31 12 34 56 i Entra, men intet mobilnummer i planen; planen bruges."
    )


def test_an_unreadable_entra_number_is_quoted() -> None:
    assert "«ring omstillingen»" in mobile_mismatch(ANNA, entra("ring omstillingen"))
