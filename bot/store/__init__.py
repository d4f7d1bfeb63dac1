"""The logbog store: the Store protocol and its implementation over SQLite or PostgreSQL."""

from .call_records import CallRecord
from .base import CrisisThread, Finished, LogSummary, OutboxItem, Store, TeamsUserLink
from .numbering import Numbering
from .sms_records import AttemptItem, CodeRequest, SentPage, SmsCode
from .opening import open_store
from .sql_store import SqlStore

__all__ = ["AttemptItem", "CallRecord", "CodeRequest", "CrisisThread", "Finished", "LogSummary", "Numbering", "OutboxItem", "SentPage", "SmsCode", "SqlStore", "Store", "TeamsUserLink", "open_store"]
