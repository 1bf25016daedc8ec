-- Target state, written by server/store/projections/target-projection.ts from
-- target.disabled / target.enabled. Existing targets are active.
ALTER TABLE targets ADD COLUMN state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled'));
ALTER TABLE targets ADD COLUMN disabled_reason TEXT;
