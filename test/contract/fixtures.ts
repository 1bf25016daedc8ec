/**
 * Helpers shared by the store contract suites: a fresh store per test, and
 * events built with the domain's own decide functions.
 */
import { afterEach, beforeEach, expect } from "vitest";
import { type Condition, conditionKey } from "../../server/domain/condition.js";
import { SwitchyardError } from "../../server/domain/errors.js";
import type { Actor, NewEvent, StoredEvent } from "../../server/domain/events.js";
import { decideSetExecution, type ExecutionElement } from "../../server/domain/execution.js";
import {
  decideCreateTarget,
  decideRemoveTarget,
  decideUpdateTarget,
  type TargetChange,
  type TargetSpec,
} from "../../server/domain/target.js";
import type { PageQuery, Store } from "../../server/store/store.js";

/** A row of `schema_migrations`. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: number;
}

/** One fresh, empty store and what a backend offers around it. */
export interface StoreHarness {
  readonly store: Store;
  /** Opens the same database again (after the test closed `store`). */
  readonly reopen?: () => Promise<Store>;
  /** The migrations recorded in the database, by version. Tests that need it skip without it. */
  readonly appliedMigrations?: () => Promise<readonly AppliedMigration[]>;
  /** Closes every store it opened and deletes the database. */
  readonly cleanup: () => Promise<void>;
}

/** Creates a harness on a new, empty database. */
export type StoreFactory = () => Promise<StoreHarness>;

/** A fresh harness for every test of the surrounding `describe`, cleaned up after it. */
export function useFreshStore(createStore: StoreFactory): { readonly store: Store; readonly harness: StoreHarness } {
  let current: StoreHarness | undefined;
  beforeEach(async () => {
    current = await createStore();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  const harness = (): StoreHarness => {
    if (!current) throw new Error("no store outside a test");
    return current;
  };
  return {
    get store() {
      return harness().store;
    },
    get harness() {
      return harness();
    },
  };
}

export const ownerA = "owner-a";
export const ownerB = "owner-b";

/** The actor acting for `owner`. */
export function actorOf(owner: string = ownerA): Actor {
  return { resourceOwner: owner, subject: `user-of-${owner}` };
}

/** A page starting at 0 with room for everything, ascending unless told. */
export function page(overrides: Partial<PageQuery> = {}): PageQuery {
  return { offset: 0, limit: 100, asc: true, ...overrides };
}

/** A webhook target spec named `name`. */
export function targetSpec(name: string, overrides: Partial<TargetSpec> = {}): TargetSpec {
  return {
    name,
    endpoint: `https://${encodeURIComponent(name)}.example/hook`,
    timeoutMs: 10_000,
    targetType: { kind: "webhook", interruptOnError: false },
    payloadType: "json",
    ...overrides,
  };
}

/** Creates target `id` as a command would: `target.added` expecting no aggregate yet. */
export async function addTarget(store: Store, id: string, spec: TargetSpec, owner = ownerA): Promise<StoredEvent> {
  const [event] = await store.append({
    actor: actorOf(owner),
    events: decideCreateTarget(id, spec, `whsec_key-of-${id}`),
    expectations: [{ aggregateType: "target", aggregateId: id, sequence: 0n }],
  });
  return event!;
}

/** Changes target `id` as a command would, expecting its current sequence. */
export async function changeTarget(store: Store, id: string, change: TargetChange, owner = ownerA): Promise<StoredEvent[]> {
  const current = await store.getTarget(owner, id);
  if (!current) throw new Error(`no target ${id}`);
  return store.append({
    actor: actorOf(owner),
    events: decideUpdateTarget(current, change),
    expectations: [{ aggregateType: "target", aggregateId: id, sequence: current.details.sequence }],
  });
}

/** Removes target `id`. */
export async function removeTarget(store: Store, id: string, owner = ownerA): Promise<StoredEvent[]> {
  return store.append({ actor: actorOf(owner), events: decideRemoveTarget(id), expectations: [] });
}

/** Sets (or, with no elements, removes) the execution of `condition` as a command would. */
export async function setExecution(
  store: Store,
  condition: Condition,
  elements: readonly ExecutionElement[],
  owner = ownerA,
): Promise<StoredEvent[]> {
  const current = await store.getExecution(owner, conditionKey(condition));
  return store.append({ actor: actorOf(owner), events: decideSetExecution(condition, current, elements), expectations: [] });
}

/** An event of an aggregate the server has no projection for. */
export function orderEvent(orderId: string, type = "order.placed", payload: Record<string, unknown> = {}): NewEvent {
  return { aggregateType: "order", aggregateId: orderId, type, payload };
}

/** Appends `events` for `owner` without expectations. */
export async function appendEvents(store: Store, events: readonly NewEvent[], owner = ownerA): Promise<StoredEvent[]> {
  return store.append({ actor: actorOf(owner), events, expectations: [] });
}

/** The SwitchyardError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejectionOf(promise: Promise<unknown>): Promise<SwitchyardError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  );
  if (!("rejected" in outcome)) throw new Error("expected a rejection, got a result");
  expect(outcome.rejected).toBeInstanceOf(SwitchyardError);
  return outcome.rejected as SwitchyardError;
}

/** Waits until the clock has moved on, so that events get distinct times. */
export async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Function condition named `name`. */
export function functionCondition(name: string): Condition {
  return { type: "function", scope: "name", name };
}

/** A direct target element. */
export function targetElement(targetId: string): ExecutionElement {
  return { kind: "target", targetId };
}

/** An include element. */
export function includeElement(key: string): ExecutionElement {
  return { kind: "include", include: key };
}
