/**
 * Contract: the targets read model follows target.added / target.changed /
 * target.disabled / target.enabled / target.removed.
 */
import { describe, expect, it } from "vitest";
import { createTargetCommands } from "../../server/commands/target-commands.js";
import { decideCreateTarget } from "../../server/domain/target.js";
import {
  type StoreFactory,
  actorOf,
  addTarget,
  changeTarget,
  nextMillisecond,
  ownerA,
  ownerB,
  page,
  rejectionOf,
  removeTarget,
  targetSpec,
  useFreshStore,
} from "./fixtures.js";

export function describeTargetProjectionContract(createStore: StoreFactory): void {
  describe("targets projection", () => {
    const fresh = useFreshStore(createStore);

    it("projects target.added with every field and details from the event", async () => {
      const { store } = fresh;
      const spec = targetSpec("alpha", {
        endpoint: "https://alpha.example/hook",
        timeoutMs: 2500,
        targetType: { kind: "call", interruptOnError: true },
        payloadType: "jwt",
      });

      const added = await addTarget(store, "t1", spec);

      const expected = {
        id: "t1",
        ...spec,
        signingKey: "whsec_key-of-t1",
        createdAt: added.createdAt,
        details: { sequence: 1n, changeDate: added.createdAt, resourceOwner: ownerA },
        state: "active",
      };
      expect(await store.getTarget(ownerA, "t1")).toEqual(expected);
      expect(await store.getTargetByName(ownerA, "alpha")).toEqual(expected);
      expect(await store.getTarget(ownerA, "t2")).toBeUndefined();
      expect(await store.getTargetByName(ownerA, "Alpha")).toBeUndefined();
    });

    it("projects target.changed: changed fields and details move, created_at stays", async () => {
      const { store } = fresh;
      const added = await addTarget(store, "t1", targetSpec("alpha"));
      await nextMillisecond();

      const [changed] = await changeTarget(store, "t1", { name: "alpha-2", timeoutMs: 700, payloadType: "jwt" });

      const target = await store.getTarget(ownerA, "t1");
      expect(target).toMatchObject({
        name: "alpha-2",
        endpoint: targetSpec("alpha").endpoint,
        timeoutMs: 700,
        payloadType: "jwt",
        targetType: { kind: "webhook", interruptOnError: false },
        signingKey: "whsec_key-of-t1",
        createdAt: added.createdAt,
        details: { sequence: 2n, changeDate: changed!.createdAt, resourceOwner: ownerA },
      });
      expect(changed!.createdAt.getTime()).toBeGreaterThan(added.createdAt.getTime());
      expect(await store.getTargetByName(ownerA, "alpha")).toBeUndefined();
    });

    it("projects a key rotation: new key, previous key and its expiry", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      const expiresAt = new Date("2030-01-02T03:04:05.678Z");

      await changeTarget(store, "t1", { rotation: { newKey: "whsec_new", previousKeyExpiresAt: expiresAt } });

      const target = await store.getTarget(ownerA, "t1");
      expect(target?.signingKey).toBe("whsec_new");
      expect(target?.previousSigningKey).toBe("whsec_key-of-t1");
      expect(target?.previousSigningKeyExpiresAt).toEqual(expiresAt);
      expect(target?.details.sequence).toBe(2n);
    });

    it("projects target type changes, including to and from async", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));

      await changeTarget(store, "t1", { targetType: { kind: "async" } });
      expect((await store.getTarget(ownerA, "t1"))?.targetType).toEqual({ kind: "async" });

      await changeTarget(store, "t1", { targetType: { kind: "call", interruptOnError: true } });
      expect((await store.getTarget(ownerA, "t1"))?.targetType).toEqual({ kind: "call", interruptOnError: true });
    });

    it("projects target.removed by deleting the row", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      await addTarget(store, "t2", targetSpec("beta"));

      await removeTarget(store, "t1");

      expect(await store.getTarget(ownerA, "t1")).toBeUndefined();
      expect(await store.getTargetByName(ownerA, "alpha")).toBeUndefined();
      expect(await store.getTarget(ownerA, "t2")).toBeDefined();
      expect(await store.aggregateSequence(ownerA, "target", "t1")).toBe(2n);
    });

    it("refuses a second target with a taken name in the same owner and writes nothing", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));

      const error = await rejectionOf(addTarget(store, "t2", targetSpec("alpha", { endpoint: "https://other.example" })));

      expect(error.kind).toBe("already_exists");
      expect(error.reason).toBe("target_name_taken");
      expect(error.metadata).toEqual({ name: "alpha" });
      expect(error.message).toContain('"alpha"');
      expect(await store.getTarget(ownerA, "t2")).toBeUndefined();
      expect(await store.aggregateSequence(ownerA, "target", "t2")).toBe(0n);
      expect(await store.lastPosition()).toBe(1n);
    });

    it("refuses a rename to a taken name and leaves both targets as they were", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      await addTarget(store, "t2", targetSpec("beta"));

      const error = await rejectionOf(changeTarget(store, "t2", { name: "alpha", timeoutMs: 1 }));

      expect(error.reason).toBe("target_name_taken");
      expect(await store.getTarget(ownerA, "t2")).toMatchObject({ name: "beta", timeoutMs: 10_000, details: { sequence: 1n } });
      expect((await store.getTarget(ownerA, "t1"))?.name).toBe("alpha");
      expect(await store.lastPosition()).toBe(2n);
    });

    it("allows the same name in another owner, and a removed target's name again", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"), ownerA);

      await addTarget(store, "t1", targetSpec("alpha"), ownerB);
      await removeTarget(store, "t1", ownerA);
      await addTarget(store, "t9", targetSpec("alpha"), ownerA);

      expect((await store.getTargetByName(ownerA, "alpha"))?.id).toBe("t9");
      expect((await store.getTargetByName(ownerB, "alpha"))?.id).toBe("t1");
    });

    it("rolls back every target of an append when one name is taken", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));

      const error = await rejectionOf(
        store.append({
          actor: actorOf(),
          events: [
            ...decideCreateTarget("t2", targetSpec("beta"), "whsec_2"),
            ...decideCreateTarget("t3", targetSpec("alpha"), "whsec_3"),
          ],
          expectations: [],
        }),
      );

      expect(error.reason).toBe("target_name_taken");
      expect(await store.getTarget(ownerA, "t1")).toBeDefined();
      expect(await store.getTarget(ownerA, "t2")).toBeUndefined();
      expect(await store.getTarget(ownerA, "t3")).toBeUndefined();
      expect(await store.lastPosition()).toBe(1n);
    });
  });

  describe("target state", () => {
    const fresh = useFreshStore(createStore);
    const commandsOf = () => createTargetCommands({ store: fresh.store, signingKeyOverlapMs: 60_000 });

    it("disableTarget appends target.disabled and the projection shows the state and the reason", async () => {
      // given
      const { store } = fresh;
      const added = await addTarget(store, "t1", targetSpec("alpha"));
      await nextMillisecond();

      // when
      const { details } = await commandsOf().disableTarget(actorOf(), "t1", "answered 410 Gone to delivery msg_1");

      // then
      const events = await store.listEvents(ownerA, { aggregateType: "target", aggregateId: "t1" }, page());
      const disabled = events.items.at(-1)!;
      expect(disabled).toMatchObject({
        type: "target.disabled",
        sequence: 2n,
        payload: { reason: "answered 410 Gone to delivery msg_1" },
      });
      expect(details).toEqual({ sequence: 2n, changeDate: disabled.createdAt, resourceOwner: ownerA });
      expect(disabled.createdAt.getTime()).toBeGreaterThan(added.createdAt.getTime());
      expect(await store.getTarget(ownerA, "t1")).toMatchObject({
        name: "alpha",
        state: "disabled",
        disabledReason: "answered 410 Gone to delivery msg_1",
        createdAt: added.createdAt,
        details,
      });
      const snapshot = await store.routingSnapshot();
      expect(snapshot.targets.find((target) => target.id === "t1")).toMatchObject({ state: "disabled" });
    });

    it("disableTarget is a no-op for a disabled target and for one that is gone, and never fails", async () => {
      // given
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      await addTarget(store, "t2", targetSpec("beta"));
      const commands = commandsOf();
      const first = await commands.disableTarget(actorOf(), "t1", "answered 410 Gone to delivery msg_1");
      await removeTarget(store, "t2");
      const before = await store.lastPosition();

      // when
      const again = await commands.disableTarget(actorOf(), "t1", "answered 410 Gone to delivery msg_2");
      const gone = await commands.disableTarget(actorOf(), "t2", "answered 410 Gone to delivery msg_3");
      const never = await commands.disableTarget(actorOf(), "t-never", "answered 410 Gone to delivery msg_4");

      // then
      expect(again).toEqual(first);
      expect(gone).toEqual({});
      expect(never).toEqual({});
      expect(await store.lastPosition()).toBe(before);
      expect((await store.getTarget(ownerA, "t1"))?.disabledReason).toBe("answered 410 Gone to delivery msg_1");
    });

    it("disables and re-enables through updateTarget, clearing the reason", async () => {
      // given
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      const commands = commandsOf();

      // when
      const update = { rotateSigningKey: false, state: "disabled", timeoutMs: 500 } as const;
      const disabled = await commands.updateTarget(actorOf(), "t1", update);

      // then
      expect(disabled.details.sequence).toBe(3n);
      expect(await store.getTarget(ownerA, "t1")).toMatchObject({
        state: "disabled",
        disabledReason: "disabled by an operator",
        timeoutMs: 500,
        details: disabled.details,
      });

      // when
      const enabled = await commands.updateTarget(actorOf(), "t1", { rotateSigningKey: false, state: "active" }, 3n);
      const unchanged = await commands.updateTarget(actorOf(), "t1", { rotateSigningKey: false, state: "active" });

      // then
      const target = await store.getTarget(ownerA, "t1");
      expect(target).toMatchObject({ state: "active", details: enabled.details });
      expect(target).not.toHaveProperty("disabledReason");
      expect(enabled.details.sequence).toBe(4n);
      expect(unchanged.details).toEqual(enabled.details);
      const types = (await store.listEvents(ownerA, { aggregateType: "target" }, page())).items.map((event) => event.type);
      expect(types).toEqual(["target.added", "target.changed", "target.disabled", "target.enabled"]);
    });

    it("keeps the state across other changes and lists it", async () => {
      // given
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      await addTarget(store, "t2", targetSpec("beta"));
      await commandsOf().disableTarget(actorOf(), "t1", "answered 410 Gone to delivery msg_1");

      // when
      await changeTarget(store, "t1", { name: "alpha-2" });

      // then
      const listed = await store.listTargets(ownerA, { page: page(), sort: "name", filters: [] });
      expect(listed.items.map(({ name, state, disabledReason }) => ({ name, state, disabledReason }))).toEqual([
        { name: "alpha-2", state: "disabled", disabledReason: "answered 410 Gone to delivery msg_1" },
        { name: "beta", state: "active", disabledReason: undefined },
      ]);
    });
  });
}
