"""Crises in Teams with the logbog on PostgreSQL: the whole alarm chain, a redelivered activity, a restart and
a hundred open crises, the very tests of test_crisis_flow.py run again on a PostgreSQL database of their own."""

from collections.abc import Callable
from typing import Any

import pytest

from bot.database_url import PostgresUrl
from bot.settings import Settings, load_settings
from tests.protocol.test_crisis_flow import (  # noqa: F401  (collected here again, with this module's settings)
    crisis,
    test_a_repeated_tap_and_a_redelivered_activity_act_once,
    test_a_restart_resumes_every_crisis_from_the_logbog,
    test_status_with_a_hundred_open_crises_is_one_answer_with_the_newest_three,
    test_the_whole_alarm_chain_runs_in_teams,
)


@pytest.fixture
def settings_for(postgres_database: PostgresUrl) -> Callable[..., Settings]:
    """Settings on a new PostgreSQL database; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        return load_settings(_env_file=None, **{"database": postgres_database, **overrides})

    return make
