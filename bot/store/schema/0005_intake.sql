-- Heartbeats of monitoring systems: when each was last heard from (or first watched), and since
-- when it has been silent (NULL while it keeps time).
CREATE TABLE heartbeats (
    name          TEXT PRIMARY KEY,
    last_seen_at  TEXT NOT NULL,
    silent_since  TEXT
);

-- Where reading the alarm mailbox got to: Graph's delta link (or the next page of a round).
CREATE TABLE mailbox_cursors (
    mailbox     TEXT PRIMARY KEY,
    link        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
