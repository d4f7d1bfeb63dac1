"""PostgreSQL failures as the rest of Krisebot sees them: a StoreError whose reason says, in Danish,
what an operator must look at (the server down or unreachable, a lost connection, a read-only
server, a full disk, refused credentials), naming the server and database, never the password.
"""

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import PoolClosed, PoolTimeout

from ..database_url import PostgresUrl
from ..errors import StoreError
from .failures import DAMAGED

UNREACHABLE = "PostgreSQL-serveren svarer ikke: kører den, og kan tjenesten nå den?"
_REASONS = {
    "25006": "databasen er skrivebeskyttet",
    "53100": "serverens disk er fuld",
    "40001": "en anden forbindelse ændrede de samme rækker samtidig; prøv igen",
    "40P01": "en anden forbindelse ændrede de samme rækker samtidig; prøv igen",
    "42501": "tjenesten har ikke rettighed til det i databasen",
    "3D000": "databasen findes ikke på serveren",
    "57P01": "PostgreSQL-serveren lukker ned",
    "57P02": "PostgreSQL-serveren lukker ned",
    "57P03": "PostgreSQL-serveren tager ikke imod forbindelser endnu",
    "XX001": DAMAGED,
    "XX002": DAMAGED,
}
_REFUSALS = (
    ("password authentication failed", "PostgreSQL-serveren afviste brugeren eller adgangskoden"),
    ("no pg_hba.conf entry", "PostgreSQL-serveren tager ikke imod forbindelser herfra (pg_hba.conf)"),
    ('database "', "databasen findes ikke på serveren"),
    ('role "', "PostgreSQL-serveren kender ikke brugeren"),
    ("the database system is", "PostgreSQL-serveren starter op eller lukker ned"),
)
"""What the server's words (its FATAL message, in English) say about why it refused a connection."""
_CLASSES = {
    "08": "forbindelsen til PostgreSQL-serveren blev afbrudt",
    "23": "databasen afviste ændringen",
    "28": "PostgreSQL-serveren afviste brugeren eller adgangskoden",
    "53": "serveren mangler ressourcer (disk, hukommelse eller forbindelser)",
}


def failure(exc: Exception, location: PostgresUrl, doing: str = "") -> StoreError | None:
    """The StoreError for ``exc``, naming ``location``'s server; None if ``exc`` is no failure of the database."""
    if isinstance(exc, PoolTimeout):
        kind = UNREACHABLE
    elif isinstance(exc, PoolClosed):
        kind = "databasen er lukket"
    elif isinstance(exc, psycopg.Error):
        state = exc.sqlstate or ""
        if exc.sqlstate is None and isinstance(exc, psycopg.OperationalError):
            kind = _refused(str(exc))
        else:
            kind = _REASONS.get(state) or _CLASSES.get(state[:2]) or "databasefejl"
    else:
        return None
    reason = f"{kind} ({location.server}: {_detail(exc, location)})"
    return StoreError(f"{doing}: {reason}" if doing else reason)


def _refused(message: str) -> str:
    """Why a connection failed, from libpq's message (it gives no SQLSTATE): it was lost, the server refused it, or
    the server never answered."""
    if "connection is lost" in message or "server closed the connection" in message:
        return _CLASSES["08"]
    if "FATAL:" not in message:
        return UNREACHABLE
    for words, kind in _REFUSALS:
        if words in message:
            return kind
    return "PostgreSQL-serveren afviste forbindelsen"


def _detail(exc: Exception, location: PostgresUrl) -> str:
    """The server's (or driver's) own words: their first line, any password in them blanked."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    detail = lines[0] if lines else type(exc).__name__
    password = conninfo_to_dict(location.conninfo).get("password")
    return detail.replace(str(password), "***") if password else detail
