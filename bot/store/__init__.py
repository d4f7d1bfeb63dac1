"""The logbog store: the Store protocol and its SQLite implementation."""

from .base import CrisisThread, OutboxItem, Store, TeamsUserLink
from .sms_records import SentPage, SmsCode
from .sqlite import SqliteStore, open_store

__all__ = ["CrisisThread", "OutboxItem", "SentPage", "SmsCode", "SqliteStore", "Store", "TeamsUserLink", "open_store"]
