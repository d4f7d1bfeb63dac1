-- An outbox item's place in its attempt: which of the channel's numbers it uses (a call moves
-- on to the next one), and whether it is a fallback that goes only when the first contacts did
-- not reach the person.
ALTER TABLE outbox ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN fallback INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET fallback = 1 WHERE key LIKE '%+fallback';
CREATE INDEX outbox_attempt ON outbox (crisis_id, person, purpose, attempt_at);

-- Every call placed: written before it is placed, so each webhook finds its call (by ``ref``,
-- which the callback URLs carry) after a restart too.
CREATE TABLE calls (
    ref          TEXT PRIMARY KEY,
    outbox_key   TEXT NOT NULL,
    crisis_id    TEXT NOT NULL,
    person       TEXT NOT NULL,
    roles        TEXT NOT NULL,     -- JSON list of role ids
    purpose      TEXT NOT NULL,
    number       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    provider     TEXT,
    provider_id  TEXT,
    digits       TEXT,              -- the key that was acted on, once one was
    outcome      TEXT,              -- the final status, once there is one
    ended_at     TEXT
);
CREATE INDEX calls_outbox ON calls (outbox_key);
