-- The summary post of each alarmering wave in a crisis's log thread (``wave_seq``: the wave's
-- ``pages_requested`` event): its activity, so that it is edited in place (also after a restart)
-- and never posted twice; the text it shows, so that it is edited only when that changes; and
-- whether it was posted late (after an outage), which it keeps saying.
CREATE TABLE log_summaries (
    crisis_id    TEXT NOT NULL,
    wave_seq     INTEGER NOT NULL,
    activity_id  TEXT NOT NULL,
    text         TEXT NOT NULL,
    late         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (crisis_id, wave_seq)
);
