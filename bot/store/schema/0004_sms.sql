-- SMS reply codes, scoped to the recipient's number (``1K`` means the page coded 1 for that number only).
CREATE TABLE sms_codes (
    number      TEXT    NOT NULL,   -- E.164
    code        INTEGER NOT NULL,
    crisis_id   TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    person      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (number, code)
);
CREATE UNIQUE INDEX sms_codes_by_page ON sms_codes (number, crisis_id, purpose);

-- How far each crisis's thread in the log channel has been written: events after ``posted_seq`` are
-- still to be posted (in order); ``behind_since`` is set while posting fails (Teams unreachable).
CREATE TABLE log_mirror (
    crisis_id     TEXT PRIMARY KEY,
    posted_seq    INTEGER NOT NULL,
    behind_since  TEXT
);
INSERT INTO log_mirror (crisis_id, posted_seq)
    SELECT crisis_id, (SELECT MAX(seq) FROM events WHERE events.crisis_id = crisis_threads.crisis_id)
    FROM crisis_threads;

-- Rate limit of help replies to known numbers (at most a few an hour).
CREATE TABLE sms_help_replies (
    number  TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX sms_help_replies_by_number ON sms_help_replies (number, at);
