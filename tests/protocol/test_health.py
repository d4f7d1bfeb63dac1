"""Health and readiness as a load balancer or an operator sees them."""


async def test_healthz_answers_while_the_process_runs(bot) -> None:
    response = await bot.client.get("/healthz")

    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_readyz_reports_plan_and_database(bot) -> None:
    response = await bot.client.get("/readyz")

    assert response.status == 200
    body = await response.json()
    assert body == {"status": "ready", "plan": "Intern Service - Kritiske leverancer", "database": "ok"}


async def test_readyz_is_503_when_the_database_is_gone(bot) -> None:
    await bot.store.close()

    response = await bot.client.get("/readyz")

    assert response.status == 503
    assert (await response.json())["status"] == "not ready"
