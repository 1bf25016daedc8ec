/**
 * Which stored values are secrets, and their places: the signing-key fields
 * of target events (and the `targets` columns projected from them), and the
 * private keys of the server's own signing keys. Backend-neutral: every
 * backend seals the same fields the same way.
 */
import { secretFieldsOf } from "../../domain/secret-fields.js";
import type { targetSecretFields } from "../../domain/target.js";
import type { SecretBox, SecretPlace } from "./secret-box.js";

/** The place of a target's `signingKey` or `previousSigningKey`, in its events and in the `targets` row alike. */
export function targetSecretPlace(owner: string, targetId: string, field: (typeof targetSecretFields)[number]): SecretPlace {
  return secretPlace("target", owner, targetId, field);
}

/** The place of a server key's private key. */
export function serverKeySecretPlace(kid: string): SecretPlace {
  return ["server_key", kid, "privateKeyPem"];
}

/** An event's identity, as far as its secrets' places need it. */
export interface EventSecretsOwner {
  readonly resourceOwner: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
}

/** `payload` with its secret fields sealed; the same object when it has none. */
export function sealEventSecrets(box: SecretBox, event: EventSecretsOwner, payload: Record<string, unknown>): Record<string, unknown> {
  return mapSecretFields(event, payload, (value, place) => box.seal(value, place));
}

/** `payload` with its secret fields opened; the same object when it has none. */
export function openEventSecrets(box: SecretBox, event: EventSecretsOwner, payload: Record<string, unknown>): Record<string, unknown> {
  return mapSecretFields(event, payload, (value, place) => box.open(value, place));
}

/** `payload` with its secret fields re-sealed with the current key; `undefined` when all already are. */
export function resealEventSecrets(
  box: SecretBox,
  event: EventSecretsOwner,
  payload: Record<string, unknown>,
): Record<string, unknown> | undefined {
  let changed = false;
  const resealed = mapSecretFields(event, payload, (value, place) => {
    if (box.isCurrent(value)) return value;
    changed = true;
    return box.seal(box.open(value, place), place);
  });
  return changed ? resealed : undefined;
}

function mapSecretFields(
  event: EventSecretsOwner,
  payload: Record<string, unknown>,
  transform: (value: string, place: SecretPlace) => string,
): Record<string, unknown> {
  const fields = secretFieldsOf(event.aggregateType).filter((field) => typeof payload[field] === "string");
  if (fields.length === 0) return payload;
  const mapped = { ...payload };
  for (const field of fields) {
    mapped[field] = transform(payload[field] as string, secretPlace(event.aggregateType, event.resourceOwner, event.aggregateId, field));
  }
  return mapped;
}

function secretPlace(aggregateType: string, owner: string, aggregateId: string, field: string): SecretPlace {
  return [aggregateType, owner, aggregateId, field];
}
