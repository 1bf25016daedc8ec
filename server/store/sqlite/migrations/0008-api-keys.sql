-- API keys made with `npm run keys -- create`: only the SHA-256 of each key
-- is kept. Keys from the configuration file are never stored here.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  resource_owner TEXT NOT NULL,
  scopes TEXT NOT NULL,  -- JSON list
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
) STRICT;
