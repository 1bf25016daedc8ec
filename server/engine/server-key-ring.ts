/**
 * The server's own signing keys, for targets with `payload_type = JWT`: the
 * newest key signs (ES256, compact JWS), and every key that signed within the
 * overlap stays published at `/.well-known/jwks.json`, so receivers can verify
 * calls made just before a rotation. Keys live in the store and survive restarts.
 */
import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import type { ServerKey, Store } from "../store/store.js";

export interface ServerKeyRing {
  /** Makes sure a signing key exists (creating the first one) and loads the keys. */
  load(): Promise<void>;
  /** A compact JWS (ES256) of `payload`, signed with the newest key. */
  sign(payload: object): string;
  /** The published keys, as a JWK Set. */
  jwks(): { keys: Record<string, string>[] };
  /** Creates a new signing key; the previous one stays published for the overlap. */
  rotate(): Promise<void>;
}

/** Creates the key ring; `overlapMs` (default 24 h) is how long a retired key stays published. */
export function createServerKeyRing(options: { store: Store; overlapMs?: number; now?: () => Date }): ServerKeyRing {
  const { store } = options;
  const overlapMs = options.overlapMs ?? 24 * 60 * 60 * 1000;
  const now = options.now ?? (() => new Date());
  let keys: ServerKey[] = [];
  let signing: { kid: string; privateKey: KeyObject } | undefined;

  async function reload(): Promise<void> {
    keys = await store.serverKeys();
    const newest = keys.find((key) => key.retiredAt === undefined);
    signing = newest && { kid: newest.kid, privateKey: createPrivateKey(newest.privateKeyPem) };
  }

  async function rotate(): Promise<void> {
    await store.addServerKey(newServerKey(now()));
    await reload();
  }

  return {
    async load() {
      await reload();
      if (!signing) await rotate();
    },
    sign(payload) {
      if (!signing) throw new Error("server key ring not loaded");
      const header = encode({ alg: "ES256", typ: "JWT", kid: signing.kid });
      const body = encode(payload);
      const signature = sign("sha256", Buffer.from(`${header}.${body}`), { key: signing.privateKey, dsaEncoding: "ieee-p1363" });
      return `${header}.${body}.${signature.toString("base64url")}`;
    },
    jwks() {
      const cutoff = now().getTime() - overlapMs;
      const published = keys.filter((key) => key.retiredAt === undefined || key.retiredAt.getTime() > cutoff);
      return { keys: published.map((key) => ({ ...key.publicJwk })) };
    },
    rotate,
  };
}

function newServerKey(createdAt: Date): ServerKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = randomUUID();
  const { kty, crv, x, y } = publicKey.export({ format: "jwk" });
  return {
    kid,
    algorithm: "ES256",
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicJwk: { kty: kty!, crv: crv!, x: x!, y: y!, kid, alg: "ES256", use: "sig" },
    createdAt,
  };
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
