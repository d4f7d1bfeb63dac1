"""The logbog store: the Store protocol and its SQLite implementation."""

from .base import CrisisThread, OutboxItem, Store, TeamsUserLink
from .sqlite import SqliteStore, open_store

__all__ = ["CrisisThread", "OutboxItem", "SqliteStore", "Store", "TeamsUserLink", "open_store"]
