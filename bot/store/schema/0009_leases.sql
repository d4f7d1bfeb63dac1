-- Leases: which instance runs the loops that must run on one instance only (the pager's ticks, the
-- heartbeat watcher, the alarm mailbox reader). ``token`` is the fencing token: it grows by one each
-- time a holder takes the lease anew, and is never reused (a released lease keeps its row and its
-- token, expired); the outbox is claimed only under the token the lease holds now.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    token       INTEGER NOT NULL,
    expires_at  TEXT NOT NULL
);
