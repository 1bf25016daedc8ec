-- Idempotency keys: which result a client's key produced, written in the same
-- transaction as that result's events. `result` is an event position for
-- PushEvent (later: a job or batch id). Kept at least 24 h.
CREATE TABLE idempotency_keys (
  resource_owner TEXT NOT NULL,
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (resource_owner, scope, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_keys_by_created_at ON idempotency_keys (created_at);
