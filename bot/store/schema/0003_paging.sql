-- Paging timers: when paging for a purpose began, per role (alarm chain) or per person.
CREATE TABLE paging_timers (
    crisis_id   TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    subject     TEXT NOT NULL,      -- 'role' or 'person'
    subject_id  TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    PRIMARY KEY (crisis_id, purpose, subject, subject_id)
);

-- The outbox: every page to send on every channel, keyed for idempotency; sent at least once,
-- marked done exactly once together with its PageSent / PageFailed event.
CREATE TABLE outbox (
    key          TEXT PRIMARY KEY,
    crisis_id    TEXT NOT NULL,
    person       TEXT NOT NULL,
    roles        TEXT NOT NULL,     -- JSON list of role ids
    purpose      TEXT NOT NULL,
    channel      TEXT NOT NULL,
    attempt_at   TEXT NOT NULL,
    next_try_at  TEXT NOT NULL,
    tries        INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'pending',   -- pending, sent, failed, cancelled
    provider_id  TEXT,
    last_error   TEXT,
    done_at      TEXT
);
CREATE INDEX outbox_pending ON outbox (status, next_try_at);
