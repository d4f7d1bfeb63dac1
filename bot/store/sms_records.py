"""Tables of the SMS fallback: reply codes per number, pages as sent, help replies.

A mixin of ``SqlStore`` (it writes through the store's ``Transactions``); the methods are
part of the Store protocol.
"""

import json
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core.events import utc
from .bulk import BATCH_VALUES, FROM_ROWS, columns, rows_param
from .failures import Transactions

if TYPE_CHECKING:  # base imports this module
    from .base import OutboxItem

MAX_CODE = 99
"""Codes run 1–99 per number, then start again at the lowest one not in use by an open crisis."""


@dataclass(frozen=True, slots=True)
class SmsCode:
    """The page a reply code stands for on one number."""

    number: str
    code: int
    crisis_id: str
    purpose: str
    person: str


@dataclass(frozen=True, slots=True)
class CodeRequest:
    """A page that needs a reply code on ``number``."""

    number: str
    crisis_id: str
    purpose: str
    person: str


@dataclass(frozen=True, slots=True)
class SentPage:
    """A page in the outbox as it ended (or stands): for delivery reports and the fallback's check."""

    key: str
    crisis_id: str
    person: str
    roles: tuple[str, ...]
    purpose: str
    channel: str
    status: str
    provider_id: str | None


_SAME_ATTEMPT = "crisis_id = ? AND person = ? AND purpose = ? AND attempt_at = ?"


def _attempt_of(item: "OutboxItem") -> tuple[str, str, str, str]:
    return item.crisis_id, item.person, item.purpose, utc(item.attempt_at).isoformat()


@dataclass(frozen=True, slots=True)
class AttemptItem:
    """One outbox item of an attempt as it stands: ``status`` is pending, sent, failed or cancelled; ``unanswered``
    says that a call it placed ended without a key acted on."""

    key: str
    channel: str
    status: str
    fallback: bool
    unanswered: bool


_SENT_PAGE = "SELECT key, crisis_id, person, roles, purpose, channel, status, provider_id FROM outbox"


class SmsRecords(Transactions):
    async def sms_codes(self, *, pages: list[CodeRequest], at: datetime, open_crises: set[str]) -> list[int]:
        """The code of each page on its number, in one transaction: the one it already has, else the next free one.

        A code is free when it was never used on the number or its crisis is no longer in
        ``open_crises``; the number's codes are reused lowest first only after 1–99 ran out.
        """
        stamp = utc(at).isoformat()
        async with self._transaction("sms-koden kunne ikke gemmes") as tx:
            await tx.lock("sms_codes")  # another instance giving out codes waits, and then sees these
            rows = await tx.fetch_rows(
                "number, code, crisis_id, purpose",
                f"FROM sms_codes WHERE number IN {BATCH_VALUES}",
                (rows_param(sorted({page.number for page in pages})),),
            )
            given = {(number, crisis, purpose): code for number, code, crisis, purpose in rows}
            used: dict[str, dict[int, str]] = {}
            for number, code, crisis, _ in rows:
                used.setdefault(number, {})[code] = crisis
            codes, new = [], []
            for page in pages:
                key = (page.number, page.crisis_id, page.purpose)
                if key not in given:
                    numbers_codes = used.setdefault(page.number, {})
                    given[key] = code = _free_code(numbers_codes, open_crises)
                    numbers_codes[code] = page.crisis_id
                    new.append((page.number, code, page.crisis_id, page.purpose, page.person, stamp))
                codes.append(given[key])
            await tx.execute(
                f"DELETE FROM sms_codes WHERE (number, code) IN (SELECT {columns(2, integers=(1,))} {FROM_ROWS})",
                (rows_param(new),),
            )
            await tx.execute(
                "INSERT INTO sms_codes (number, code, crisis_id, purpose, person, created_at) "
                f"SELECT {columns(6, integers=(1,))} {FROM_ROWS}",
                (rows_param(new),),
            )
        return codes

    async def sms_code_page(self, *, number: str, code: int) -> SmsCode | None:
        """What ``code`` stands for on ``number``, if it was ever given out."""
        rows = await self._db.fetch_all(
            "SELECT number, code, crisis_id, purpose, person FROM sms_codes WHERE number = ? AND code = ?", (number, code)
        )
        return SmsCode(*rows[0]) if rows else None

    async def sent_page(self, *, key: str | None = None, channel: str = "", provider_id: str = "") -> SentPage | None:
        """The outbox page with ``key``, else the one sent on ``channel`` with ``provider_id``."""
        params: tuple[str, ...]
        if key:
            query, params = f"{_SENT_PAGE} WHERE key = ?", (key,)
        else:
            query, params = f"{_SENT_PAGE} WHERE channel = ? AND provider_id = ?", (channel, provider_id)
        rows = await self._db.fetch_all(query, params)
        return _sent_page(rows[0]) if rows else None

    async def sent_pages(self, *, crisis_id: str, channel: str) -> list[SentPage]:
        """The latest page sent on ``channel`` to each person for each purpose in the crisis."""
        rows = await self._db.fetch_all(
            f"{_SENT_PAGE} WHERE crisis_id = ? AND channel = ? AND status = 'sent' ORDER BY done_at", (crisis_id, channel)
        )
        latest = {(page.person, page.purpose): page for page in map(_sent_page, rows)}
        return list(latest.values())

    async def sent_otherwise(self, *, item: "OutboxItem") -> bool:
        """Was ``item``'s attempt sent under another key than ``item``'s?"""
        return bool(await self._db.fetch_all(
            f"SELECT 1 FROM outbox WHERE {_SAME_ATTEMPT} AND key != ? AND status = 'sent' LIMIT 1",
            (*_attempt_of(item), item.key),
        ))

    async def attempt_items(self, *, item: "OutboxItem") -> list[AttemptItem]:
        """Every outbox item of ``item``'s attempt (``item`` too), as it stands."""
        unanswered = "EXISTS (SELECT 1 FROM calls WHERE calls.outbox_key = outbox.key AND outcome IS NOT NULL AND digits IS NULL)"
        rows = await self._db.fetch_rows(
            f"key, channel, status, fallback, {unanswered}", f"FROM outbox WHERE {_SAME_ATTEMPT}", _attempt_of(item)
        )
        return [AttemptItem(key, channel, status, bool(fallback), bool(called)) for key, channel, status, fallback, called in rows]

    async def hasten_fallbacks(self, *, item: "OutboxItem", at: datetime) -> int:
        """Make the pending fallbacks of ``item``'s attempt due at ``at`` (if later); how many were."""
        stamp = utc(at).isoformat()
        async with self._transaction("reservekanalen kunne ikke fremrykkes") as tx:
            return await tx.execute(
                f"UPDATE outbox SET next_try_at = ? WHERE {_SAME_ATTEMPT} AND fallback = 1 AND status = 'pending' "
                "AND next_try_at > ?",
                (stamp, *_attempt_of(item), stamp),
            )

    async def help_replies_allowed(self, *, number: str, at: datetime, since: datetime, limit: int) -> bool:
        """Count a help reply to ``number`` at ``at`` if fewer than ``limit`` went out since ``since``; say whether it may go."""
        async with self._transaction("kunne ikke skrive til databasen") as tx:
            await tx.lock("sms_help_replies")  # another instance counting waits, and then counts this one
            count = await tx.fetch_value(
                "SELECT COUNT(*) FROM sms_help_replies WHERE number = ? AND at > ?", (number, utc(since).isoformat())
            )
            if count >= limit:
                return False
            await tx.execute("INSERT INTO sms_help_replies (number, at) VALUES (?, ?)", (number, utc(at).isoformat()))
        return True


def _sent_page(row: Sequence[Any]) -> SentPage:
    key, crisis, person, roles, purpose, channel, status, provider = row
    return SentPage(key, crisis, person, tuple(json.loads(roles)), purpose, channel, status, provider)


def _free_code(used: dict[int, str], open_crises: set[str]) -> int:
    """The lowest code never used; when 1–99 are all used, the lowest whose crisis is over."""
    for code in range(1, MAX_CODE + 1):
        if code not in used:
            return code
    for code in range(1, MAX_CODE + 1):
        if used[code] not in open_crises:
            return code
    return min(used)  # every code held by an open crisis: reuse the oldest-numbered
