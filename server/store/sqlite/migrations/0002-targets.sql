-- Targets read model, written by server/store/projections/target-projection.ts.
CREATE TABLE targets (
  resource_owner TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  timeout_ms INTEGER NOT NULL,
  target_type TEXT NOT NULL CHECK (target_type IN ('webhook', 'call', 'async')),
  interrupt_on_error INTEGER NOT NULL CHECK (interrupt_on_error IN (0, 1)),
  payload_type TEXT NOT NULL CHECK (payload_type IN ('json', 'jwt')),
  signing_key TEXT NOT NULL,
  previous_signing_key TEXT,
  previous_signing_key_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  change_date INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (resource_owner, id),
  UNIQUE (resource_owner, name)
) STRICT, WITHOUT ROWID;

CREATE INDEX targets_by_owner_created_at ON targets (resource_owner, created_at, id);
CREATE INDEX targets_by_owner_change_date ON targets (resource_owner, change_date, id);
