"""Health and readiness as a load balancer or an operator sees them."""

import json
import resource
from pathlib import Path

from bot.database_url import postgres_url
from tests.postgres_server import PASSWORD, PostgresServer
from tests.serve import get, serving


async def test_healthz_answers_while_the_process_runs(bot) -> None:
    response = await bot.client.get("/healthz")

    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_readyz_reports_plan_and_database(bot) -> None:
    response = await bot.client.get("/readyz")

    assert response.status == 200
    body = await response.json()
    assert body == {"status": "ready", "plan": "Intern Service - Kritiske leverancer", "database": "ok", "leader": True}


async def test_readyz_is_503_when_the_database_is_gone(bot) -> None:
    await bot.store.close()

    response = await bot.client.get("/readyz")

    assert response.status == 503
    assert (await response.json())["status"] == "not ready"


def test_readyz_is_503_with_the_reason_while_the_logbog_cannot_be_written(tmp_path: Path) -> None:
    """A database that answers reads but takes no write is not ready. The service's file size limit is
    lowered to 0 from outside, so every write fails as on a full or read-only disk (this works as root too,
    where file modes do not stop a write); lifted again, the service is ready again."""
    with serving(tmp_path, KRISEBOT_DATABASE=str(tmp_path / "krisebot.db")) as (service, base):
        assert get(f"{base}/readyz")[0] == 200
        resource.prlimit(service.pid, resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
        try:
            status, body = get(f"{base}/readyz")
        finally:
            resource.prlimit(service.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        ready_again = get(f"{base}/readyz")[0]

    assert status == 503
    answer = json.loads(body)
    assert answer["status"] == "not ready"
    assert answer["database"].startswith("logbogen kan ikke skrives: ")
    assert str(tmp_path) not in answer["database"], "the reason names no file to the caller"
    assert ready_again == 200


async def test_readyz_on_postgresql_is_503_naming_the_server_and_not_the_password_while_it_is_down(
    own_postgres: PostgresServer, settings_for, start_bot
) -> None:
    database = postgres_url(own_postgres.url(own_postgres.create_database()))
    bot = await start_bot(settings_for(database=database.conninfo))
    assert (await bot.client.get("/readyz")).status == 200

    own_postgres.stop("fast")
    response = await bot.client.get("/readyz")
    own_postgres.start()

    assert response.status == 503
    reason = (await response.json())["database"]
    assert reason.startswith(f"logbogen kan ikke skrives: PostgreSQL-serveren svarer ikke: kører den, og kan tjenesten nå den? "
                             f"({database.server}: ")
    assert PASSWORD not in reason
    assert (await bot.client.get("/readyz")).status == 200
