-- The logbog: append-only events, enforced by triggers.
CREATE TABLE events (
    seq        {sequence_key},
    at         TEXT    NOT NULL,
    crisis_id  TEXT,
    actor      TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    payload    TEXT    NOT NULL
);
CREATE INDEX events_by_crisis ON events (crisis_id, seq);

{append_only events}

-- Where to reach a Teams user or channel proactively (Bot Framework conversation reference).
CREATE TABLE conversation_references (
    key        TEXT PRIMARY KEY,
    reference  TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Which plan person a Teams user is (cache of the Entra object id / UPN match).
CREATE TABLE teams_users (
    teams_user_id  TEXT PRIMARY KEY,
    aad_object_id  TEXT,
    upn            TEXT,
    person_id      TEXT NOT NULL,
    linked_at      TEXT NOT NULL
);
CREATE INDEX teams_users_by_person ON teams_users (person_id);
