/**
 * Target commands: load the current target, decide, append. Targets are
 * removed from every execution that lists them in the same append.
 */
import { randomBytes } from "node:crypto";
import type { ConditionKey } from "../domain/condition.js";
import { type Actor, type Details, detailsOf } from "../domain/events.js";
import { notFound, sequenceMismatch } from "../domain/errors.js";
import { decideRemoveTargetFromExecutions } from "../domain/execution.js";
import { uuidV7 } from "../domain/ids.js";
import {
  type Target,
  type TargetSpec,
  type TargetState,
  decideCreateTarget,
  decideDisableTarget,
  decideRemoveTarget,
  decideUpdateTarget,
  targetNameTaken,
} from "../domain/target.js";
import type { SequenceExpectation, Store } from "../store/store.js";
import { lastEventDetails } from "./last-details.js";
import { createAggregateCommandRunner } from "./retry.js";

export interface TargetCommandsDeps {
  readonly store: Store;
  /** Default time the previous signing key stays valid after a rotation. */
  readonly signingKeyOverlapMs: number;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly newSigningKey?: () => string;
}

/** What a client may change; unset fields stay. */
export interface TargetUpdate {
  readonly name?: string;
  readonly endpoint?: string;
  readonly timeoutMs?: number;
  readonly targetType?: TargetSpec["targetType"];
  readonly payloadType?: TargetSpec["payloadType"];
  readonly rotateSigningKey: boolean;
  /** Overrides the default overlap for this rotation. */
  readonly signingKeyOverlapMs?: number;
  /** Re-enable (`active`) or disable (`disabled`, "disabled by an operator"). */
  readonly state?: TargetState;
}

/** A signing key: `whsec_` + base64 of 32 random bytes (Standard Webhooks format). */
export function generateSigningKey(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Creates the target commands. */
export function createTargetCommands(deps: TargetCommandsDeps) {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? uuidV7;
  const newSigningKey = deps.newSigningKey ?? generateSigningKey;
  const runCommand = createAggregateCommandRunner();

  async function requireUniqueName(owner: string, name: string, exceptId?: string): Promise<void> {
    const holder = await store.getTargetByName(owner, name);
    if (holder && holder.id !== exceptId) {
      throw targetNameTaken(name);
    }
  }

  /** Executions that list the target, and every execution that includes one of them, transitively. */
  async function affectedExecutions(owner: string, targetId: string) {
    const { items: listing } = await store.listExecutions(owner, {
      page: { offset: 0, limit: Number.MAX_SAFE_INTEGER, asc: true },
      filters: [{ kind: "target", targetId }],
    });
    const graph = await store.includeGraph(owner);
    const includedBy = new Map<ConditionKey, ConditionKey[]>();
    for (const [includer, includes] of graph) {
      for (const included of includes) includedBy.set(included, [...(includedBy.get(included) ?? []), includer]);
    }
    const executions = new Map(listing.map((execution) => [execution.key, execution]));
    const pending = [...executions.keys()];
    while (pending.length > 0) {
      for (const includer of includedBy.get(pending.pop()!) ?? []) {
        if (executions.has(includer)) continue;
        const execution = await store.getExecution(owner, includer);
        if (execution) executions.set(includer, execution);
        pending.push(includer);
      }
    }
    return { executions, includers: (key: ConditionKey) => includedBy.get(key) ?? [] };
  }

  async function loadTarget(owner: string, id: string, expectedSequence?: bigint): Promise<Target> {
    const target = await store.getTarget(owner, id);
    if (!target) throw notFound("target", id);
    if (expectedSequence !== undefined && expectedSequence !== target.details.sequence) {
      throw sequenceMismatch("target", id, expectedSequence, target.details.sequence);
    }
    return target;
  }

  return {
    /** Creates a target; answers its id, details and signing key. */
    async createTarget(actor: Actor, spec: TargetSpec): Promise<{ id: string; details: Details; signingKey: string }> {
      await requireUniqueName(actor.resourceOwner, spec.name);
      const id = newId();
      const signingKey = newSigningKey();
      const [added] = await store.append({
        actor,
        events: decideCreateTarget(id, spec, signingKey),
        expectations: [{ aggregateType: "target", aggregateId: id, sequence: 0n }],
      });
      return { id, details: detailsOf(added!), signingKey };
    },

    /**
     * Applies a partial update, the state included; no event (current
     * details) when nothing changes. The details are those of the last event.
     */
    async updateTarget(
      actor: Actor,
      id: string,
      update: TargetUpdate,
      expectedSequence?: bigint,
    ): Promise<{ details: Details; signingKey?: string }> {
      const run = async () => {
        const target = await loadTarget(actor.resourceOwner, id, expectedSequence);
        if (update.name !== undefined && update.name !== target.name) {
          await requireUniqueName(actor.resourceOwner, update.name, id);
        }
        const newKey = update.rotateSigningKey ? newSigningKey() : undefined;
        const overlapMs = update.signingKeyOverlapMs ?? deps.signingKeyOverlapMs;
        const events = decideUpdateTarget(target, {
          ...update,
          rotation: newKey ? { newKey, previousKeyExpiresAt: new Date(now().getTime() + overlapMs) } : undefined,
        });
        if (events.length === 0) return { details: target.details };
        const appended = await store.append({
          actor,
          events,
          expectations: [{ aggregateType: "target", aggregateId: id, sequence: target.details.sequence }],
        });
        return { details: detailsOf(appended.at(-1)!), ...(newKey ? { signingKey: newKey } : {}) };
      };
      return runCommand(`${actor.resourceOwner}\0${id}`, run, expectedSequence);
    },

    /**
     * Disables a target so that nothing calls it any more, recording why (the
     * dispatcher's answer to `410 Gone`). A no-op answering no details when
     * the target is gone, and the current details when it is disabled
     * already; it never fails for either.
     */
    async disableTarget(actor: Actor, id: string, reason: string): Promise<{ details?: Details }> {
      const run = async () => {
        const target = await store.getTarget(actor.resourceOwner, id);
        if (!target) return {};
        const events = decideDisableTarget(target, reason);
        if (events.length === 0) return { details: target.details };
        const [disabled] = await store.append({
          actor,
          events,
          expectations: [{ aggregateType: "target", aggregateId: id, sequence: target.details.sequence }],
        });
        return { details: detailsOf(disabled!) };
      };
      return runCommand(`${actor.resourceOwner}\0${id}`, run);
    },

    /**
     * Removes a target and takes it out of every execution that lists it.
     * Idempotent: an absent target answers with its removal's details (or
     * none when it never existed).
     */
    async deleteTarget(actor: Actor, id: string, expectedSequence?: bigint): Promise<{ details?: Details }> {
      const owner = actor.resourceOwner;
      const run = async () => {
        const target = await store.getTarget(owner, id);
        if (!target) {
          const details = await lastEventDetails(store, owner, "target", id);
          const actual = details?.sequence ?? 0n;
          if (expectedSequence !== undefined && expectedSequence !== actual) {
            throw sequenceMismatch("target", id, expectedSequence, actual);
          }
          return details ? { details } : {};
        }
        if (expectedSequence !== undefined && expectedSequence !== target.details.sequence) {
          throw sequenceMismatch("target", id, expectedSequence, target.details.sequence);
        }
        const affected = await affectedExecutions(owner, id);
        const expectations: SequenceExpectation[] = [
          { aggregateType: "target", aggregateId: id, sequence: target.details.sequence },
          ...[...affected.executions.values()].map((execution) => ({
            aggregateType: "execution",
            aggregateId: execution.key,
            sequence: execution.details.sequence,
          })),
        ];
        const [removed] = await store.append({
          actor,
          events: [
            ...decideRemoveTarget(id),
            ...decideRemoveTargetFromExecutions(id, affected.executions, affected.includers),
          ],
          expectations,
        });
        return { details: detailsOf(removed!) };
      };
      return runCommand(`${owner}\0${id}`, run, expectedSequence);
    },
  };
}

export type TargetCommands = ReturnType<typeof createTargetCommands>;
