"""The readiness report's word on the Python the service runs on."""

from bot.plan import load_plan
from bot.readiness import Report, assess
from bot.resources import default_plan_path
from bot.settings import load_settings


def _report(python: tuple[int, int]) -> Report:
    return assess(load_plan(default_plan_path()), load_settings(_env_file=None), linked_person_ids=set(), python=python)


def _python_notes(report: Report) -> list[str]:
    return [note for note in report.notes if note.startswith("Python")]


def test_python_3_12_and_newer_is_named_as_it_is() -> None:
    assert _python_notes(_report((3, 12))) == ["Python 3.12"]
    assert _python_notes(_report((3, 13))) == ["Python 3.13"]


def test_python_3_11_is_a_note_that_production_wants_3_12_not_a_warning_that_blocks_paging() -> None:
    report = _report((3, 11))

    [note] = _python_notes(report)
    assert note.startswith("Python 3.11: Krisebot kører, men brug Python 3.12 eller nyere i drift")
    assert not any("Python" in finding for finding in report.warnings + report.errors)
