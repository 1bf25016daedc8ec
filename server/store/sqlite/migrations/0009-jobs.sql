-- Jobs and batches: read models of `job.*` and `batch.*` events, plus the
-- runner's leases (operational state, never events). Times are epoch ms.
CREATE TABLE jobs (
  resource_owner TEXT NOT NULL,
  id TEXT NOT NULL,
  function TEXT NOT NULL,
  input TEXT NOT NULL,
  async INTEGER NOT NULL,
  callback_url TEXT,
  idempotency_key TEXT,
  include_result_schema INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  batch_id TEXT,
  batch_index INTEGER,
  status TEXT NOT NULL CHECK (status IN ('accepted', 'running', 'succeeded', 'failed', 'cancelled')),
  progress_total INTEGER NOT NULL DEFAULT 0,
  progress_pending INTEGER NOT NULL DEFAULT 0,
  progress_running INTEGER NOT NULL DEFAULT 0,
  progress_succeeded INTEGER NOT NULL DEFAULT 0,
  progress_failed INTEGER NOT NULL DEFAULT 0,
  -- JSON; NULL when absent (a JSON null result is the text 'null').
  result TEXT,
  result_schema TEXT,
  error TEXT,
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  -- When a runner may claim it: its acceptance, then each scheduled retry.
  next_attempt_at INTEGER NOT NULL,
  -- The retry the job shows (`nextAttemptAt`): set by job.retry_scheduled, cleared by job.started.
  retry_at INTEGER,
  -- The runner that may run it, until when; an expired lease may be claimed by any other.
  lease_owner TEXT,
  lease_until INTEGER,
  sequence INTEGER NOT NULL,
  change_date INTEGER NOT NULL,
  PRIMARY KEY (resource_owner, id),
  CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
  CHECK (lease_owner IS NULL OR status IN ('accepted', 'running'))
) STRICT;

-- Claiming: what has not ended, by due time. Finished jobs cost the claim nothing.
CREATE INDEX jobs_claimable ON jobs (next_attempt_at) WHERE status IN ('accepted', 'running');
-- The leases held (only what is in flight): renewals, releases, and when a leased job falls due.
CREATE INDEX jobs_leased ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;

-- ListJobs: by creation, and by each filter it offers.
CREATE INDEX jobs_by_owner_created_at ON jobs (resource_owner, created_at, id);
CREATE INDEX jobs_by_owner_batch ON jobs (resource_owner, batch_id, batch_index) WHERE batch_id IS NOT NULL;
CREATE INDEX jobs_by_owner_status ON jobs (resource_owner, status, created_at, id);
CREATE INDEX jobs_by_owner_function ON jobs (resource_owner, function, created_at, id);

-- Batches. Their job counters are kept by the job projection and sum to `total`;
-- no CHECK guards them, so a miscount can never keep a job from ending.
CREATE TABLE batches (
  resource_owner TEXT NOT NULL,
  id TEXT NOT NULL,
  total INTEGER NOT NULL CHECK (total >= 0),
  callback_url TEXT,
  idempotency_key TEXT,
  include_result_schema INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('accepted', 'running', 'succeeded', 'partially_failed', 'failed', 'cancelled')),
  pending INTEGER NOT NULL,
  running INTEGER NOT NULL,
  succeeded INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  sequence INTEGER NOT NULL,
  change_date INTEGER NOT NULL,
  PRIMARY KEY (resource_owner, id)
) STRICT;

-- Batches not yet completed, for closing those whose jobs have all ended.
CREATE INDEX batches_open ON batches (created_at) WHERE status IN ('accepted', 'running');
