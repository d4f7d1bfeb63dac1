"""The error tree. Callers match on these classes, never on message text.

KrisebotError
├── ConfigurationError   a setting or the plan is wrong; the service must not start
│   ├── SettingsError    names the KRISEBOT_ setting
│   ├── MissingSettingsError  names every KRISEBOT_ setting a command needs and lacks
│   └── PlanError        names the plan file and the field path
├── StoreError           the logbog database failed an operation (damaged, full, read-only,
│                        locked, or written by another version); nothing was written
├── Stale                another instance recorded events of the crisis since the decision was made;
│                        nothing was written (the crises catch up and decide again)
├── StartupError         ``krisebot serve`` could not start for another reason (the log has why)
└── PdfUnavailable       no PDF can be made on this machine: WeasyPrint or the system libraries it
                         loads (pango) are missing

ChannelError             a call to an outside service (Teams, Graph, an SMS gateway) failed; the
│                        engine handles it and goes on, so it is no KrisebotError
├── TransientError       try again later (``retry_after`` seconds when the service said so)
│   └── TokenError       no access token could be had: the service itself was not reached
└── PermanentError       the same call cannot succeed later (blocked, unknown user)
"""


from .database_url import DatabaseLocation


class KrisebotError(Exception):
    """Base of every error Krisebot raises on purpose."""


class ConfigurationError(KrisebotError):
    """Configuration that must be fixed before the service can run."""


class SettingsError(ConfigurationError):
    """A setting is missing or invalid. ``setting`` is the environment variable name."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem


class MissingSettingsError(ConfigurationError):
    """Settings that a command needs are unset or unusable. ``problems`` is ``(setting, why)``, one per line."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("\n".join(f"{setting}: {why}" for setting, why in problems))
        self.problems = problems


class PlanError(ConfigurationError):
    """The plan file is invalid. Each problem is ``(field path, message)``."""

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {field or '(fil)'}: {message}" for field, message in problems]
        super().__init__("\n".join(lines))


class StoreError(KrisebotError):
    """The logbog store could not complete an operation; nothing was written.

    ``reason`` says why in Danish without naming the file, so an HTTP edge may show it to a
    caller (a 503); the message names the database file (or PostgreSQL server and database,
    never a password) as well, for the operator.
    """

    def __init__(self, reason: str, *, database: DatabaseLocation | None = None) -> None:
        super().__init__(f"{database}: {reason}" if database is not None else reason)
        self.reason = reason
        self.database = database


class Busy(StoreError):
    """Other requests (on this or other instances) changed the crisis each time this one was decided, ``DECISIONS``
    times over; nothing was written, and the logbog itself works."""


class Stale(KrisebotError):
    """``append_all`` found events of ``crisis_id`` after the seq the decision was made on (another instance
    appended meanwhile, or the new crisis's id is taken); nothing was written."""

    def __init__(self, crisis_id: str, expected: int, found: int) -> None:
        super().__init__(f"{crisis_id}: expected its last event at {expected}, found {found}")
        self.crisis_id = crisis_id
        self.expected = expected
        self.found = found


class StartupError(KrisebotError):
    """The service could not start, and no setting, plan or database is to blame: a bug, logged in full."""


class PdfUnavailable(KrisebotError):
    """No PDF can be made here; the message says in Danish what is missing, for an operator or a caller."""


class ChannelError(Exception):
    """A call to an outside service failed (a page, a log post, a Graph request). ``reason`` is for the logbog (no secrets)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientError(ChannelError):
    """Try again later; ``retry_after`` is the provider's wish in seconds, if it said one."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class TokenError(TransientError):
    """No access token could be had (Entra sign-in failed): the service itself was not reached."""


class PermanentError(ChannelError):
    """This channel cannot reach this person; do not retry."""
