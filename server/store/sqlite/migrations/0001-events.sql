-- The append-only event log. `position` is the rowid: SQLite assigns max + 1,
-- and a rolled-back insert leaves no hole, so positions stay gap-free.
CREATE TABLE events (
  position INTEGER PRIMARY KEY,
  resource_owner TEXT NOT NULL,
  aggregate_type TEXT NOT NULL,
  aggregate_id TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence > 0),
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  creator TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (resource_owner, aggregate_type, aggregate_id, sequence)
) STRICT;

CREATE INDEX events_by_owner_position ON events (resource_owner, position);
CREATE INDEX events_by_owner_type ON events (resource_owner, type, position);
CREATE INDEX events_by_owner_created_at ON events (resource_owner, created_at);
