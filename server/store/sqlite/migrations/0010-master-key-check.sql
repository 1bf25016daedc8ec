-- The master key that seals this database's secrets (target signing keys,
-- server private keys): its id and a known text sealed with it, so a wrong
-- key is refused at start-up instead of failing on the first signature.
CREATE TABLE master_key_check (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key_id TEXT NOT NULL,
  sealed_check TEXT NOT NULL,
  sealed_at INTEGER NOT NULL
) STRICT;
