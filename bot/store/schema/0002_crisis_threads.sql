-- Requests (Teams activity ids, provider message ids) whose events are recorded: a redelivery adds nothing.
CREATE TABLE handled_requests (
    key  TEXT PRIMARY KEY,
    at   TEXT NOT NULL
);

-- Each crisis's thread in the log channel: its conversation and the situation card at its root.
CREATE TABLE crisis_threads (
    crisis_id        TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL,
    activity_id      TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
