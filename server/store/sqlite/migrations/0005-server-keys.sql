-- The server's own signing keys (JWT payloads to targets; published as JWKS).
-- The newest unretired key signs; retired keys stay published for the overlap.
CREATE TABLE server_keys (
  kid TEXT PRIMARY KEY,
  algorithm TEXT NOT NULL,
  private_key TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER
) STRICT;
