/** Sealing secrets at rest: the envelope, its binding to a place, and master key parsing. */
import { describe, expect, it } from "vitest";
import { openEventSecrets, sealEventSecrets, targetSecretPlace } from "../../server/store/secrets/event-secrets.js";
import { masterKeyOf, parseMasterKey } from "../../server/store/secrets/master-key.js";
import { createSecretBox, isSealed, sealedKeyId } from "../../server/store/secrets/secret-box.js";
import { masterKeysOf, randomMasterKey } from "../support/master-keys.js";

const place = targetSecretPlace("alice", "t-1", "signingKey");
/** The error `action` throws; fails the test if it returns. */
function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error to be thrown");
}

const signingKey = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw==";

describe("secret box", () => {
  it("seals into a versioned envelope naming the key, and opens it again", () => {
    const box = createSecretBox(masterKeysOf());

    const sealed = box.seal(signingKey, place);

    expect(sealed).toMatch(new RegExp(`^enc:v1:${box.keyId}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$`));
    expect(sealed).not.toContain("whsec_");
    expect(sealedKeyId(sealed)).toBe(box.keyId);
    expect(box.isCurrent(sealed)).toBe(true);
    expect(box.open(sealed, place)).toBe(signingKey);
    // A fresh IV each time.
    expect(box.seal(signingKey, place)).not.toBe(sealed);
  });

  it("reads a value without the enc: prefix as plaintext (written before sealing existed) and calls it not current", () => {
    const box = createSecretBox(masterKeysOf());

    expect(isSealed(signingKey)).toBe(false);
    expect(box.open(signingKey, place)).toBe(signingKey);
    expect(box.isCurrent(signingKey)).toBe(false);
  });

  it("refuses a value moved to another owner, target or field", () => {
    const box = createSecretBox(masterKeysOf());
    const sealed = box.seal(signingKey, place);

    for (const elsewhere of [
      targetSecretPlace("mallory", "t-1", "signingKey"),
      targetSecretPlace("alice", "t-2", "signingKey"),
      targetSecretPlace("alice", "t-1", "previousSigningKey"),
    ]) {
      expect(thrown(() => box.open(sealed, elsewhere)).message).toMatch(/cannot open the secret at target\/.* with master key/);
    }
  });

  it("opens values of previous keys, seals only with the current one, and names an unknown key", () => {
    const old = randomMasterKey();
    const current = randomMasterKey();
    const sealedWithOld = createSecretBox(masterKeysOf(old)).seal(signingKey, place);
    const rotating = createSecretBox(masterKeysOf(current, [old]));

    expect(rotating.open(sealedWithOld, place)).toBe(signingKey);
    expect(rotating.isCurrent(sealedWithOld)).toBe(false);
    expect(sealedKeyId(rotating.seal(signingKey, place))).toBe(current.id);
    expect(thrown(() => createSecretBox(masterKeysOf(current)).open(sealedWithOld, place)).message).toContain(
      `sealed with master key ${old.id}, which is not configured (current: ${current.id})`,
    );
  });

  it("seals only the secret fields of target events, and opens them again", () => {
    const box = createSecretBox(masterKeysOf());
    const event = { resourceOwner: "alice", aggregateType: "target", aggregateId: "t-1" };
    const payload = { name: "audit", signingKey, previousSigningKey: "whsec_b2xk", previousSigningKeyExpiresAt: "2030-01-01T00:00:00Z" };
    const order = { resourceOwner: "alice", aggregateType: "order", aggregateId: "o-1" };
    const orderPayload = { signingKey: "not a secret of an order" };

    const sealed = sealEventSecrets(box, event, payload);

    expect(JSON.stringify(sealed)).not.toContain("whsec_");
    expect(sealed.name).toBe("audit");
    expect(openEventSecrets(box, event, sealed)).toEqual(payload);
    expect(sealEventSecrets(box, order, orderPayload)).toBe(orderPayload);
    expect(sealEventSecrets(box, { ...order, aggregateType: "constructor" }, orderPayload)).toBe(orderPayload);
  });
});

describe("master keys", () => {
  it("parses base64 (standard or URL-safe) of 32 bytes and derives a stable id that is not the key", () => {
    const bytes = Buffer.alloc(32, 7);

    const key = parseMasterKey(` ${bytes.toString("base64")}\n`, "SWITCHYARD_MASTER_KEY");

    expect(key.key.equals(bytes)).toBe(true);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(parseMasterKey(bytes.toString("base64url"), "x").id).toBe(key.id);
    expect(masterKeyOf(Buffer.alloc(32, 8)).id).not.toBe(key.id);
  });

  it("refuses anything else, naming where it came from and never echoing it", () => {
    const short = Buffer.alloc(16, 1).toString("base64");

    expect(thrown(() => parseMasterKey(short, "SWITCHYARD_MASTER_KEY")).message).toBe(
      "SWITCHYARD_MASTER_KEY must hold a master key: base64 of 32 random bytes (e.g. `openssl rand -base64 32`), but it is 16 bytes",
    );
    expect(thrown(() => parseMasterKey("not base64!", "master key file k")).message).toMatch(/^master key file k .* it is not base64$/);
    expect(thrown(() => parseMasterKey("", "SWITCHYARD_MASTER_KEY")).message).not.toContain(short);
  });
});
