-- Jobs per status are no longer kept by triggers: the store adds up the
-- status changes of a transaction and writes each count once before it
-- commits (server/store/sqlite/counter-tally.ts). Two trigger programs per
-- job were ~15 % of a job's SQL time. The counts stay as they are; only
-- writes through the store move them from now on. The delete trigger stays:
-- the store deletes no jobs, and a pruning that did would keep them right.
DROP TRIGGER jobs_count_insert;
DROP TRIGGER jobs_count_update;
