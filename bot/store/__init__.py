"""The logbog store: the store's role protocols (``Store`` is all of them) and its implementation over SQLite or PostgreSQL."""

from .call_records import CallRecord
from .base import (
    Calls, Chats, CrisisThread, Finished, Health, Leases, Logbog, LogSummary, LogThreads, Monitoring, Outbox, OutboxItem,
    SentPages, SmsCodes, Store, TeamsUserLink,
)
from .leases import Fence
from .numbering import Numbering
from .sms_records import AttemptItem, CodeRequest, SentPage, SmsCode
from .opening import open_store
from .sql_store import SqlStore

__all__ = [
    "AttemptItem", "CallRecord", "Calls", "Chats", "CodeRequest", "CrisisThread", "Fence", "Finished", "Health", "Leases", "LogSummary",
    "LogThreads", "Logbog", "Monitoring", "Numbering", "Outbox", "OutboxItem", "SentPage", "SentPages", "SmsCode",
    "SmsCodes", "SqlStore", "Store", "TeamsUserLink", "open_store",
]
