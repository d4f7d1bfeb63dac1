"""Health and readiness as a load balancer or an operator sees them."""

import json
import resource
from pathlib import Path

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
