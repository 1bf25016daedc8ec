/**
 * Targets: the HTTP endpoints Switchyard calls. Pure decisions from commands
 * and current state to events.
 */
import { SwitchyardError } from "./errors.js";
import { type Details, type NewEvent, type StoredEvent, detailsOf } from "./events.js";

export type TargetType =
  | { readonly kind: "webhook"; readonly interruptOnError: boolean }
  | { readonly kind: "call"; readonly interruptOnError: boolean }
  | { readonly kind: "async" };

export type PayloadType = "json" | "jwt";

/** Whether Switchyard calls a target: a disabled one is left out of every chain and event delivery. */
export type TargetState = "active" | "disabled";

/** The reason of a disable asked for through UpdateTarget. */
export const operatorDisabledReason = "disabled by an operator";

/** A target as the read model holds it. */
export interface Target {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly targetType: TargetType;
  readonly payloadType: PayloadType;
  readonly signingKey: string;
  /** Still valid (and signed with) until `previousSigningKeyExpiresAt`. */
  readonly previousSigningKey?: string;
  readonly previousSigningKeyExpiresAt?: Date;
  readonly createdAt: Date;
  readonly details: Details;
  /** `active` when created; `disabled` after a `410 Gone` or an operator's update. */
  readonly state: TargetState;
  /** Why the target is disabled; set only while it is. */
  readonly disabledReason?: string;
}

/** The fields a client chooses. */
export interface TargetSpec {
  readonly name: string;
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly targetType: TargetType;
  readonly payloadType: PayloadType;
}

/** A partial change; unset fields stay. */
export interface TargetChange {
  readonly name?: string;
  readonly endpoint?: string;
  readonly timeoutMs?: number;
  readonly targetType?: TargetType;
  readonly payloadType?: PayloadType;
  /** Rotate to this new key, keeping the current one valid until `previousKeyExpiresAt`. */
  readonly rotation?: { readonly newKey: string; readonly previousKeyExpiresAt: Date };
  /** Enable or disable (with {@link operatorDisabledReason}). */
  readonly state?: TargetState;
}

/** Event payload fields that hold secrets; they never leave the server through event reads. */
export const targetSecretFields = ["signingKey", "previousSigningKey"] as const;

/** `ALREADY_EXISTS` (`target_name_taken`) for a name another target of the owner holds. */
export function targetNameTaken(name: string): SwitchyardError {
  return new SwitchyardError("already_exists", "target_name_taken", `target name ${JSON.stringify(name)} is taken`, { name });
}

/** `target.added` for a new target. */
export function decideCreateTarget(id: string, spec: TargetSpec, signingKey: string): NewEvent[] {
  return [{ aggregateType: "target", aggregateId: id, type: "target.added", payload: { ...spec, signingKey } }];
}

/**
 * `target.changed` with only the fields that differ (and the rotation, if
 * any), then `target.enabled` or `target.disabled` when the state changes;
 * no event at all when nothing changes.
 */
export function decideUpdateTarget(current: Target, change: TargetChange): NewEvent[] {
  const events = decideChangeTarget(current, change);
  if (change.state === "active") events.push(...decideEnableTarget(current));
  if (change.state === "disabled") events.push(...decideDisableTarget(current, operatorDisabledReason));
  return events;
}

/**
 * `target.disabled` with why; none when the target is disabled already (its
 * first reason stays).
 */
export function decideDisableTarget(current: Target, reason: string): NewEvent[] {
  if (current.state === "disabled") return [];
  return [{ aggregateType: "target", aggregateId: current.id, type: "target.disabled", payload: { reason } }];
}

/** `target.enabled`; none when the target is active already. */
export function decideEnableTarget(current: Target): NewEvent[] {
  if (current.state === "active") return [];
  return [{ aggregateType: "target", aggregateId: current.id, type: "target.enabled", payload: {} }];
}

function decideChangeTarget(current: Target, change: TargetChange): NewEvent[] {
  const payload: Record<string, unknown> = {};
  if (change.name !== undefined && change.name !== current.name) payload.name = change.name;
  if (change.endpoint !== undefined && change.endpoint !== current.endpoint) payload.endpoint = change.endpoint;
  if (change.timeoutMs !== undefined && change.timeoutMs !== current.timeoutMs) payload.timeoutMs = change.timeoutMs;
  if (change.targetType !== undefined && !sameTargetType(change.targetType, current.targetType)) {
    payload.targetType = change.targetType;
  }
  if (change.payloadType !== undefined && change.payloadType !== current.payloadType) {
    payload.payloadType = change.payloadType;
  }
  if (change.rotation) {
    payload.signingKey = change.rotation.newKey;
    payload.previousSigningKey = current.signingKey;
    payload.previousSigningKeyExpiresAt = change.rotation.previousKeyExpiresAt.toISOString();
  }
  if (Object.keys(payload).length === 0) return [];
  return [{ aggregateType: "target", aggregateId: current.id, type: "target.changed", payload }];
}

/** `target.removed`. */
export function decideRemoveTarget(id: string): NewEvent[] {
  return [{ aggregateType: "target", aggregateId: id, type: "target.removed", payload: {} }];
}

function sameTargetType(a: TargetType, b: TargetType): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind === "async" || a.interruptOnError === (b as { interruptOnError: boolean }).interruptOnError;
}

/**
 * The target after `event`: what the projection holds, computed in memory
 * (for indexes that follow the event stream). Undefined once removed; events
 * of other aggregates leave it unchanged.
 */
export function evolveTarget(current: Target | undefined, event: StoredEvent): Target | undefined {
  if (event.aggregateType !== "target") return current;
  const payload = event.payload as Partial<TargetSpec> & {
    signingKey?: string;
    previousSigningKey?: string;
    previousSigningKeyExpiresAt?: string;
  };
  switch (event.type) {
    case "target.added":
      return {
        ...(payload as TargetSpec),
        id: event.aggregateId,
        signingKey: payload.signingKey!,
        createdAt: event.createdAt,
        details: detailsOf(event),
        state: "active",
      };
    case "target.changed": {
      if (!current) return current;
      const { previousSigningKeyExpiresAt, ...fields } = payload;
      return {
        ...current,
        ...fields,
        ...(previousSigningKeyExpiresAt ? { previousSigningKeyExpiresAt: new Date(previousSigningKeyExpiresAt) } : {}),
        details: detailsOf(event),
      } as Target;
    }
    case "target.disabled":
      if (!current) return current;
      return { ...current, state: "disabled", disabledReason: String(event.payload.reason), details: detailsOf(event) };
    case "target.enabled": {
      if (!current) return current;
      const { disabledReason: _cleared, ...rest } = current;
      return { ...rest, state: "active", details: detailsOf(event) };
    }
    case "target.removed":
      return undefined;
    default:
      return current;
  }
}
