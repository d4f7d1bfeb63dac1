"""Plan people as Entra users: looked up once per process, and their mobile compared with the plan's.

A person is looked up by ``entra_object_id`` when the plan has it, else by UPN (``email``).
Krisebot always pages the plan's numbers; Entra is only checked for drift. Anyone else is found by
their UPN (``find``): someone outside the plan the director informs.
"""

from dataclasses import dataclass

import phonenumbers
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

from ..errors import TransientError
from ..plan.models import Person
from ..plan.phones import REGION
from .errors import DEFAULT_TIMEOUT, GraphRefused, graph_call

SELECT = ["id", "displayName", "mail", "mobilePhone", "businessPhones", "jobTitle"]


@dataclass(frozen=True, slots=True)
class EntraUser:
    id: str
    display_name: str | None
    mail: str | None
    mobile_phone: str | None
    business_phones: tuple[str, ...] = ()
    job_title: str | None = None


class GraphUsers:
    """Entra lookups of plan people and of anyone by UPN, cached in memory (found users only)."""

    def __init__(self, client: GraphServiceClient, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._client = client
        self._timeout = timeout
        self._cache: dict[str, EntraUser] = {}

    async def resolve(self, person: Person) -> EntraUser | None:
        """The person's Entra user, or None if Entra has no such user.

        Raises TransientError or PermanentError (``bot.errors``) when Graph fails.
        """
        return await self.find(person.entra_object_id or person.email)

    async def find(self, key: str) -> EntraUser | None:
        """The Entra user whose object id or UPN is ``key``, or None if Entra has no such user.

        Raises TransientError or PermanentError (``bot.errors``) when Graph fails.
        """
        if key in self._cache:
            return self._cache[key]
        config = RequestConfiguration(
            query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=SELECT)
        )
        request = self._client.users.by_user_id(key).get(request_configuration=config)
        try:
            user = await graph_call(request, reasons={404: "brugeren findes ikke i Entra"}, timeout=self._timeout)
        except GraphRefused as exc:
            if exc.status == 404:
                return None
            raise
        if user is None or not user.id:
            raise TransientError("Microsoft Graph gav et ugyldigt svar (bruger uden id)")
        found = EntraUser(
            id=user.id, display_name=user.display_name, mail=user.mail, mobile_phone=user.mobile_phone,
            business_phones=tuple(user.business_phones or ()), job_title=user.job_title,
        )
        self._cache[key] = found
        return found


def mobile_mismatch(person: Person, user: EntraUser) -> str | None:
    """A Danish sentence when Entra's mobile differs from the plan's; None when they agree or Entra has none."""
    if not user.mobile_phone:
        return None
    entra = _e164(user.mobile_phone)
    plan = person.mobile.number if person.mobile else None
    if entra is not None and entra == plan:
        return None
    shown = _international(entra) if entra else f"«{user.mobile_phone}»"
    if plan is None:
        return f"{person.name} har mobilnummer {shown} i Entra, men intet mobilnummer i planen; planen bruges."
    return (
        f"{person.name} har mobilnummer {shown} i Entra, men {_international(plan)} i planen; "
        "planens nummer bruges."
    )


def _e164(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _international(e164: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
