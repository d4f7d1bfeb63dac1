-- One row that /readyz rewrites to prove the logbog can be appended to, without a logbog event.
CREATE TABLE store_probe (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    writes  INTEGER NOT NULL
);
