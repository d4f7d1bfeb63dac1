"""Checks that need ``../shared`` skip without it, saying where they looked, and fail under CI=true."""

from pathlib import Path

import pytest

from tests import postgres_server, prerequisites, schemas
from tests.pdfs import without_pango

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": []}


@pytest.fixture
def without_shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone with nothing beside it: ``../shared`` is an absent folder."""
    absent = tmp_path / "shared"
    monkeypatch.setattr(prerequisites, "SHARED", absent)
    schemas._card_validator.cache_clear()
    schemas.manifest_schema.cache_clear()
    yield absent
    schemas._card_validator.cache_clear()
    schemas.manifest_schema.cache_clear()


CHECKS = {
    "card schema": lambda: schemas.assert_valid_card(CARD),
    "manifest schema": lambda: schemas.assert_valid_manifest({}),
    "plan text": lambda: prerequisites.shared_file("seed", "intern-service-kritiske-leverancer.txt", what="the plan text"),
}


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_without_shared_a_check_skips_naming_the_missing_file(without_shared, monkeypatch, check) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception) as skipped:
        check()

    assert str(without_shared) in str(skipped.value)


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_without_shared_a_check_fails_under_ci(without_shared, monkeypatch, check) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception) as failed:
        check()

    assert str(without_shared) in str(failed.value) and "CI=true" in str(failed.value)



@pytest.mark.parametrize(("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)])
def test_without_pango_the_pdf_checks_skip_naming_the_debian_packages_and_fail_under_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    without_pango(monkeypatch)

    with pytest.raises(outcome) as stopped:
        prerequisites.pdf_renderer()

    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core" in str(stopped.value)


@pytest.mark.parametrize(("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)])
def test_without_postgresql_the_store_tests_on_it_skip_naming_the_debian_package_and_fail_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres_server, "DEBIAN", tmp_path / "postgresql")

    with pytest.raises(outcome) as stopped:
        next(postgres_server.throwaway_server())

    assert "no initdb, pg_ctl, postgres on PATH or in /usr/lib/postgresql/*/bin" in str(stopped.value)
    assert "apt-get install postgresql" in str(stopped.value)
