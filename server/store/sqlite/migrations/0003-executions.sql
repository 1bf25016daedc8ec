-- Executions read model, written by server/store/projections/execution-projection.ts.
CREATE TABLE executions (
  resource_owner TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  condition_type TEXT NOT NULL CHECK (condition_type IN ('request', 'response', 'function', 'event')),
  condition_scope TEXT NOT NULL,
  condition_name TEXT NOT NULL,
  elements TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  change_date INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (resource_owner, condition_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX executions_by_owner_created_at ON executions (resource_owner, created_at, condition_key);
CREATE INDEX executions_by_owner_type ON executions (resource_owner, condition_type, condition_name);

-- One row per list element, so "which executions name this target / include
-- this condition" is an indexed lookup rather than a scan of the JSON lists.
CREATE TABLE execution_elements (
  resource_owner TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  target_id TEXT,
  include_key TEXT,
  PRIMARY KEY (resource_owner, condition_key, position),
  FOREIGN KEY (resource_owner, condition_key) REFERENCES executions (resource_owner, condition_key) ON DELETE CASCADE,
  CHECK ((target_id IS NULL) <> (include_key IS NULL))
) STRICT, WITHOUT ROWID;

CREATE INDEX execution_elements_by_target ON execution_elements (resource_owner, target_id) WHERE target_id IS NOT NULL;
CREATE INDEX execution_elements_by_include ON execution_elements (resource_owner, include_key) WHERE include_key IS NOT NULL;
