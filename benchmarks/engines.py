"""The logbog a benchmark's app runs on: a new SQLite file, or a new database on a throwaway PostgreSQL server
(the tests' server, ``tests/postgres_server.py``: on this machine, ``fsync`` off), and the ratio of the two.

``--engine sqlite`` (the default), ``postgresql``, or ``both``: then each figure is measured on each engine in
the same run, and ``ratios`` prints PostgreSQL's over SQLite's.
"""

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.database_url import DatabaseLocation, postgres_url  # noqa: E402
from tests.postgres_server import postgres_server  # noqa: E402

ENGINES = ("sqlite", "postgresql")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

NewDatabase = Callable[[], DatabaseLocation]
"""A new, empty logbog's location on one engine."""


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine", choices=(*ENGINES, "both"), default="sqlite",
        help="the logbog's database; both: each figure on each, and PostgreSQL's ratio to SQLite's",
    )


def engines(option: str) -> tuple[str, ...]:
    return ENGINES if option == "both" else (option,)


@contextmanager
def databases(chosen: tuple[str, ...], folder: Path) -> Iterator[dict[str, NewDatabase]]:
    """For each engine in ``chosen``, a maker of new databases: files in ``folder``, or databases on a PostgreSQL
    server started for the block and removed after it."""
    numbers = count(1)
    with ExitStack() as stack:
        makers: dict[str, NewDatabase] = {}
        if "sqlite" in chosen:
            makers["sqlite"] = lambda: folder / f"krisebot-{next(numbers)}.db"
        if "postgresql" in chosen:
            server = stack.enter_context(postgres_server())
            makers["postgresql"] = lambda: postgres_url(server.url(server.create_database()))
        yield makers


def ratios(figures: dict[str, dict[str, float]]) -> None:
    """Print PostgreSQL's figure over SQLite's for every figure both engines have (``figures``: engine → name → value)."""
    if set(figures) != set(ENGINES):
        return
    sqlite, postgresql = figures["sqlite"], figures["postgresql"]
    width = max(len(name) for name in sqlite)
    print("\nPostgreSQL / SQLite, same run:")
    for name, value in sqlite.items():
        print(f"  {name:<{width}}  {sqlite[name] * 1000:8.1f} ms  {postgresql[name] * 1000:8.1f} ms  x{postgresql[name] / value:.2f}")
