/** Contract: listTargets — text filters, ids, sorting, pagination and totals. */
import { describe, expect, it } from "vitest";
import type { Store, TargetFilter, TargetQuery, TargetSortColumn, TextMatch } from "../../server/store/store.js";
import {
  type StoreFactory,
  addTarget,
  changeTarget,
  nextMillisecond,
  ownerA,
  ownerB,
  page,
  targetSpec,
  useFreshStore,
} from "./fixtures.js";

/**
 * Five targets of owner A, created in the order t-3, t-1, t-5, t-2, t-4 (so
 * creation order differs from id order), then t-3 changed last; one more in
 * owner B whose name would match most filters.
 */
async function seedTargets(store: Store): Promise<void> {
  const seeds = [
    ["t-3", targetSpec("gamma_1", { endpoint: "https://c.example", timeoutMs: 2000, targetType: { kind: "async" } })],
    ["t-1", targetSpec("alpha", { endpoint: "https://a.example", timeoutMs: 3000 })],
    ["t-5", targetSpec("delta", { endpoint: "https://e.example", timeoutMs: 5000, targetType: { kind: "call", interruptOnError: false } })],
    ["t-2", targetSpec("Beta", { endpoint: "https://b.example", timeoutMs: 1000, targetType: { kind: "call", interruptOnError: true } })],
    ["t-4", targetSpec("gam%ma", { endpoint: "https://d.example", timeoutMs: 1000 })],
  ] as const;
  for (const [id, spec] of seeds) {
    await addTarget(store, id, spec);
    await nextMillisecond();
  }
  await changeTarget(store, "t-3", { endpoint: "https://c.example/v2" });
  await addTarget(store, "t-9", targetSpec("alpha gamma_1 Beta delta"), ownerB);
}

function query(overrides: Partial<TargetQuery> = {}): TargetQuery {
  return { page: page(), sort: "name", filters: [], ...overrides };
}

function nameFilter(match: TextMatch, text: string): TargetFilter {
  return { kind: "name", match, text };
}

export function describeTargetQueriesContract(createStore: StoreFactory): void {
  describe("listTargets", () => {
    const fresh = useFreshStore(createStore);

    const names = async (filters: readonly TargetFilter[]): Promise<string[]> =>
      (await fresh.store.listTargets(ownerA, query({ filters }))).items.map((target) => target.name);
    const ids = async (sort: TargetSortColumn, asc: boolean): Promise<string[]> =>
      (await fresh.store.listTargets(ownerA, query({ sort, page: page({ asc }) }))).items.map((target) => target.id);

    it("lists every target of the owner, without other owners' ones", async () => {
      await seedTargets(fresh.store);

      const result = await fresh.store.listTargets(ownerA, query());

      expect(result.total).toBe(5);
      expect(result.items.map((target) => target.name)).toEqual(["Beta", "alpha", "delta", "gam%ma", "gamma_1"]);
      expect(result.items.every((target) => target.details.resourceOwner === ownerA)).toBe(true);
    });

    it("matches names exactly, case-sensitively", async () => {
      await seedTargets(fresh.store);

      expect(await names([nameFilter("equals", "alpha")])).toEqual(["alpha"]);
      expect(await names([nameFilter("equals", "Alpha")])).toEqual([]);
      expect(await names([nameFilter("starts_with", "gam")])).toEqual(["gam%ma", "gamma_1"]);
      expect(await names([nameFilter("starts_with", "b")])).toEqual([]);
      expect(await names([nameFilter("contains", "a")])).toEqual(["Beta", "alpha", "delta", "gam%ma", "gamma_1"]);
      expect(await names([nameFilter("contains", "E")])).toEqual([]);
      expect(await names([nameFilter("ends_with", "ta")])).toEqual(["Beta", "delta"]);
      expect(await names([nameFilter("ends_with", "TA")])).toEqual([]);
    });

    it("matches names ignoring case", async () => {
      await seedTargets(fresh.store);

      expect(await names([nameFilter("equals_ignore_case", "ALPHA")])).toEqual(["alpha"]);
      expect(await names([nameFilter("equals_ignore_case", "alph")])).toEqual([]);
      expect(await names([nameFilter("starts_with_ignore_case", "b")])).toEqual(["Beta"]);
      expect(await names([nameFilter("contains_ignore_case", "E")])).toEqual(["Beta", "delta"]);
      expect(await names([nameFilter("ends_with_ignore_case", "MA")])).toEqual(["gam%ma"]);
    });

    it("treats pattern characters in the text literally", async () => {
      await seedTargets(fresh.store);

      expect(await names([nameFilter("contains", "_")])).toEqual(["gamma_1"]);
      expect(await names([nameFilter("contains", "%")])).toEqual(["gam%ma"]);
      expect(await names([nameFilter("contains_ignore_case", "_")])).toEqual(["gamma_1"]);
      expect(await names([nameFilter("contains_ignore_case", "%")])).toEqual(["gam%ma"]);
      expect(await names([nameFilter("starts_with_ignore_case", "GAM%")])).toEqual(["gam%ma"]);
      expect(await names([nameFilter("contains", "?")])).toEqual([]);
      expect(await names([nameFilter("contains", "*")])).toEqual([]);
      expect(await names([nameFilter("contains", "[")])).toEqual([]);
      expect(await names([nameFilter("contains_ignore_case", "\\")])).toEqual([]);
    });

    it("filters by ids, combined with other filters by AND", async () => {
      await seedTargets(fresh.store);

      expect(await names([{ kind: "ids", ids: ["t-1", "t-3", "t-9", "missing"] }])).toEqual(["alpha", "gamma_1"]);
      expect(
        await names([{ kind: "ids", ids: ["t-1", "t-3"] }, nameFilter("starts_with", "gam")]),
      ).toEqual(["gamma_1"]);
      expect(await names([nameFilter("contains", "a"), nameFilter("ends_with_ignore_case", "A")])).toEqual([
        "Beta",
        "alpha",
        "delta",
        "gam%ma",
      ]);
      expect(await names([{ kind: "ids", ids: [] }])).toEqual([]);
    });

    it("sorts by every column, with the id as a stable tie-breaker", async () => {
      await seedTargets(fresh.store);

      expect(await ids("id", true)).toEqual(["t-1", "t-2", "t-3", "t-4", "t-5"]);
      expect(await ids("id", false)).toEqual(["t-5", "t-4", "t-3", "t-2", "t-1"]);
      expect(await ids("name", false)).toEqual(["t-3", "t-4", "t-5", "t-1", "t-2"]);
      expect(await ids("creation_date", true)).toEqual(["t-3", "t-1", "t-5", "t-2", "t-4"]);
      expect(await ids("creation_date", false)).toEqual(["t-4", "t-2", "t-5", "t-1", "t-3"]);
      expect(await ids("change_date", true)).toEqual(["t-1", "t-5", "t-2", "t-4", "t-3"]);
      expect(await ids("timeout", true)).toEqual(["t-2", "t-4", "t-3", "t-1", "t-5"]);
      expect(await ids("timeout", false)).toEqual(["t-5", "t-1", "t-3", "t-4", "t-2"]);
      expect(await ids("target_type", true)).toEqual(["t-3", "t-2", "t-5", "t-1", "t-4"]);
      expect(await ids("endpoint", false)).toEqual(["t-5", "t-4", "t-3", "t-2", "t-1"]);
    });

    it("pages with offset and limit, and counts the total ignoring them", async () => {
      await seedTargets(fresh.store);
      const list = (offset: number, limit: number, filters: readonly TargetFilter[] = []) =>
        fresh.store.listTargets(ownerA, query({ sort: "id", page: page({ offset, limit }), filters }));

      const middle = await list(1, 2);
      expect(middle.items.map((target) => target.id)).toEqual(["t-2", "t-3"]);
      expect(middle.total).toBe(5);
      expect((await list(4, 10)).items.map((target) => target.id)).toEqual(["t-5"]);
      expect(await list(10, 10)).toEqual({ items: [], total: 5 });
      const filtered = await list(1, 1, [nameFilter("ends_with", "ta")]);
      expect(filtered.items.map((target) => target.id)).toEqual(["t-5"]);
      expect(filtered.total).toBe(2);
    });

    it("answers an empty page for an owner without targets", async () => {
      await seedTargets(fresh.store);

      expect(await fresh.store.listTargets("owner-without-targets", query())).toEqual({ items: [], total: 0 });
      expect((await fresh.store.listTargets(ownerB, query())).items.map((target) => target.id)).toEqual(["t-9"]);
    });
  });
}
