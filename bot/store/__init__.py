"""The logbog store: the Store protocol and its SQLite implementation."""

from .base import Store, TeamsUserLink
from .sqlite import SqliteStore, open_store

__all__ = ["SqliteStore", "Store", "TeamsUserLink", "open_store"]
