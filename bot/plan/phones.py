"""Phone numbers in the plan: parsed with region DK, stored as E.164, each with a declared kind.

Danish numbers are reported by ``phonenumbers`` as fixed-line-or-mobile, so the plan must
say which kind a number is; only ``mobile`` numbers receive SMS.
"""

from enum import StrEnum

import phonenumbers
from phonenumbers import shortnumberinfo
from pydantic import BaseModel, ConfigDict, model_validator

REGION = "DK"


class PhoneKind(StrEnum):
    """What a number reaches: a mobile phone (SMS and calls), a landline, or a short service number."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    SHORT = "short"


def _parse(text: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{text!r} er ikke et telefonnummer") from exc


def to_e164(text: str) -> str:
    """Normalise a full telephone number (region DK by default) to E.164; ValueError if invalid."""
    number = _parse(text)
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{text!r} er ikke et gyldigt telefonnummer")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Phone(BaseModel):
    """One number of a person or contact. ``number`` is E.164 (short numbers stay as dialled)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str
    kind: PhoneKind
    label: str | None = None

    @model_validator(mode="after")
    def _normalise(self) -> "Phone":
        if self.kind is PhoneKind.SHORT:
            if not shortnumberinfo.is_valid_short_number(_parse(self.number)):
                raise ValueError(f"{self.number!r} er ikke et gyldigt kortnummer")
            object.__setattr__(self, "number", self.number.replace(" ", "").replace("-", ""))
        else:
            object.__setattr__(self, "number", to_e164(self.number))
        return self

    @property
    def takes_sms(self) -> bool:
        return self.kind is PhoneKind.MOBILE

    def display(self) -> str:
        """The number as a Dane reads it: ``29 25 65 11``, or ``114`` for a short number."""
        if self.kind is PhoneKind.SHORT:
            return self.number
        return phonenumbers.format_number(_parse(self.number), phonenumbers.PhoneNumberFormat.NATIONAL)
