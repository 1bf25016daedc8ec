-- The delivery outbox: one row per message that must reach an endpoint at
-- least once (event deliveries, rest_async calls, callbacks), written in the
-- same transaction as what causes it. Operational state, not a projection:
-- its progress is never appended to the event log. Times are epoch ms.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  resource_owner TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('event', 'async_call', 'callback')),
  target_id TEXT,
  endpoint TEXT NOT NULL,
  -- Event deliveries are built from their event when attempted; the others carry `body`.
  event_position INTEGER REFERENCES events (position),
  job_id TEXT,
  batch_id TEXT,
  body TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'dead')),
  attempt_count INTEGER NOT NULL CHECK (attempt_count >= 0),
  -- Attempts since the last (re)schedule from the start: the index into the retry schedule.
  round_attempts INTEGER NOT NULL CHECK (round_attempts >= 0),
  next_attempt_at INTEGER,
  -- The dispatcher that may attempt it, until when; an expired lease may be claimed by any other.
  lease_owner TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL CHECK (version > 0),
  CHECK (kind <> 'event' OR event_position IS NOT NULL),
  -- What can still be attempted is due at some time; only that can be leased.
  CHECK (status NOT IN ('pending', 'failed') OR next_attempt_at IS NOT NULL),
  CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
  CHECK (lease_owner IS NULL OR status IN ('pending', 'failed'))
) STRICT;

-- Claiming: what is due, oldest first. Only the rows that can still be
-- attempted are indexed, so finished deliveries cost the claim nothing.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'failed');
-- The leases held (few: only what is in flight), for releasing them and for
-- telling when a leased delivery falls due again.
CREATE INDEX deliveries_leased ON deliveries (lease_owner, lease_until, next_attempt_at) WHERE lease_owner IS NOT NULL;

-- ListDeliveries: by creation, and by each filter it offers.
CREATE INDEX deliveries_by_owner_created_at ON deliveries (resource_owner, created_at, id);
CREATE INDEX deliveries_by_owner_target ON deliveries (resource_owner, target_id, created_at, id) WHERE target_id IS NOT NULL;
CREATE INDEX deliveries_by_owner_event ON deliveries (resource_owner, event_position, created_at, id) WHERE event_position IS NOT NULL;
CREATE INDEX deliveries_by_owner_job ON deliveries (resource_owner, job_id, created_at, id) WHERE job_id IS NOT NULL;

-- Every attempt of a delivery, numbered from 1 by the store.
CREATE TABLE delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  number INTEGER NOT NULL CHECK (number > 0),
  attempted_at INTEGER NOT NULL,
  -- 0 when no response arrived.
  http_status INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  error TEXT,
  response_excerpt TEXT,
  next_attempt_at INTEGER,
  PRIMARY KEY (delivery_id, number)
) STRICT, WITHOUT ROWID;
