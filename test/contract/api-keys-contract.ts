/** Contract: API keys are stored as hashes, found by hash, listed, and revoked for good. */
import { describe, expect, it } from "vitest";
import { apiKeyIdOf, generateApiKey, hashApiKey } from "../../server/auth/api-key-tokens.js";
import type { ApiKey } from "../../server/domain/api-key.js";
import { type StoreFactory, ownerA, ownerB, rejectionOf, useFreshStore } from "./fixtures.js";

/** A new key record (and its plain key) for `owner`, created at `createdAt`. */
export function apiKeyRecord(owner: string, createdAt: Date, overrides: Partial<ApiKey> = {}): { key: string; record: ApiKey } {
  const key = generateApiKey();
  const keyHash = hashApiKey(key);
  return {
    key,
    record: { id: apiKeyIdOf(keyHash), keyHash, name: `key of ${owner}`, resourceOwner: owner, scopes: ["targets:read"], createdAt, ...overrides },
  };
}

export function describeApiKeysContract(createStore: StoreFactory): void {
  describe("API keys", () => {
    const fresh = useFreshStore(createStore);

    it("finds a key by its hash with every field, and nothing by the key itself", async () => {
      // given
      const { store } = fresh;
      const { key, record } = apiKeyRecord(ownerA, new Date("2026-01-02T03:04:05.678Z"), {
        scopes: ["targets:read", "events:write"],
        expiresAt: new Date("2027-01-01T00:00:00.000Z"),
      });

      // when
      await store.addApiKey(record);

      // then
      expect(await store.apiKeyByHash(record.keyHash)).toEqual(record);
      expect(await store.apiKeyByHash(key)).toBeUndefined();
      expect(await store.apiKeyByHash(hashApiKey(generateApiKey()))).toBeUndefined();
    });

    it("refuses a second key with the same id or hash, keeping the first", async () => {
      const { store } = fresh;
      const { record } = apiKeyRecord(ownerA, new Date());
      await store.addApiKey(record);

      const error = await rejectionOf(store.addApiKey({ ...record, resourceOwner: ownerB }));

      expect(error).toMatchObject({ kind: "already_exists", reason: "api_key_exists" });
      expect((await store.apiKeyByHash(record.keyHash))?.resourceOwner).toBe(ownerA);
    });

    it("lists every key oldest first, or one owner's", async () => {
      const { store } = fresh;
      const first = apiKeyRecord(ownerA, new Date(1_000)).record;
      const second = apiKeyRecord(ownerB, new Date(2_000)).record;
      const third = apiKeyRecord(ownerA, new Date(3_000)).record;
      for (const record of [third, first, second]) await store.addApiKey(record);

      expect((await store.listApiKeys()).map((key) => key.id)).toEqual([first.id, second.id, third.id]);
      expect((await store.listApiKeys(ownerA)).map((key) => key.id)).toEqual([first.id, third.id]);
      expect(await store.listApiKeys("nobody")).toEqual([]);
    });

    it("revokes a key once: the first time stays, an unknown id answers false", async () => {
      const { store } = fresh;
      const { record } = apiKeyRecord(ownerA, new Date(1_000));
      await store.addApiKey(record);

      expect(await store.revokeApiKey(record.id, new Date(5_000))).toBe(true);
      expect(await store.revokeApiKey(record.id, new Date(9_000))).toBe(true);
      expect(await store.revokeApiKey("key_unknown", new Date(9_000))).toBe(false);

      expect(await store.apiKeyByHash(record.keyHash)).toEqual({ ...record, revokedAt: new Date(5_000) });
    });
  });
}
