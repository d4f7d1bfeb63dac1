"""Later: a part bound once after the part that needs it is built; a wiring mistake is loud."""

import pytest

from bot.engine.later import Later


def test_a_later_part_is_given_once_bound() -> None:
    pager = Later[str]("the pager")
    assert pager.bind("pager") == "pager"
    assert pager() == "pager"


def test_using_a_part_before_it_is_built_or_binding_it_twice_is_a_wiring_bug() -> None:
    pager = Later[str]("the pager")
    with pytest.raises(RuntimeError, match="the pager is not built yet"):
        pager()
    pager.bind("pager")
    with pytest.raises(RuntimeError, match="the pager is bound already"):
        pager.bind("another")
