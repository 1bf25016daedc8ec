/**
 * ListTargets end to end: name filters with every text method, id filters,
 * sorting and pagination totals, over Connect JSON, Connect binary over HTTP/2
 * and gRPC-web.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TextFilterMethod } from "../../gen/switchyard/v1/common_pb.js";
import { TargetFieldName } from "../../gen/switchyard/v1/target_pb.js";
import { createTarget, nextMillisecond, uniqueName } from "../support/api-fixtures.js";
import { createConnectBinaryClients, createGrpcWebClients, getJson, postJson } from "../support/clients.js";
import { type RunningServer, startServer } from "../support/start-server.js";

let server: RunningServer;
let binary: ReturnType<typeof createConnectBinaryClients>;

beforeAll(async () => {
  server = await startServer();
  binary = createConnectBinaryClients(server.baseUrl);
});

afterAll(async () => {
  binary?.close();
  await server?.close();
});

/** Creates targets with these names in this order; answers their ids by name. */
async function givenTargets(names: readonly string[], extra: (index: number) => Record<string, unknown> = () => ({})) {
  const ids = new Map<string, string>();
  for (const [index, name] of names.entries()) {
    ids.set(name, (await createTarget(server.baseUrl, name, extra(index))).id);
    await nextMillisecond();
  }
  return ids;
}

describe("ListTargets filters", () => {
  it("matches names with each text method, ANDed with an id filter", async () => {
    // given: a unique stem, so that only this test's targets can match
    const stem = uniqueName("Stem").replace("-", "");
    const names = [`${stem}Alpha-One`, `${stem.toLowerCase()}alpha-two`, `x-${stem}BETA-one`];
    const ids = await givenTargets(names);
    const idFilter = { inTargetIdsFilter: { targetIds: [...ids.values()] } };
    const cases: [string, string, string[]][] = [
      ["TEXT_FILTER_METHOD_UNSPECIFIED", names[0]!, [names[0]!]],
      ["TEXT_FILTER_METHOD_EQUALS", names[1]!, [names[1]!]],
      ["TEXT_FILTER_METHOD_EQUALS", names[0]!.toUpperCase(), []],
      ["TEXT_FILTER_METHOD_EQUALS_IGNORE_CASE", names[0]!.toUpperCase(), [names[0]!]],
      ["TEXT_FILTER_METHOD_STARTS_WITH", stem, [names[0]!]],
      ["TEXT_FILTER_METHOD_STARTS_WITH_IGNORE_CASE", stem.toUpperCase(), [names[0]!, names[1]!]],
      ["TEXT_FILTER_METHOD_CONTAINS", "Alpha", [names[0]!]],
      ["TEXT_FILTER_METHOD_CONTAINS_IGNORE_CASE", "ALPHA", [names[0]!, names[1]!]],
      ["TEXT_FILTER_METHOD_ENDS_WITH", "-one", [names[2]!]],
      ["TEXT_FILTER_METHOD_ENDS_WITH_IGNORE_CASE", "-ONE", [names[0]!, names[2]!]],
      ["TEXT_FILTER_METHOD_CONTAINS", "%", []],
      ["TEXT_FILTER_METHOD_CONTAINS", "_", []],
    ];

    for (const [method, text, expected] of cases) {
      // when
      const reply = await postJson(server.baseUrl, "TargetService/ListTargets", {
        pagination: { asc: true },
        filters: [{ targetNameFilter: { targetName: text, method } }, idFilter],
      });

      // then
      expect(reply.status, reply.text).toBe(200);
      const found = (reply.body.targets ?? []).map((t: { name: string }) => t.name);
      expect(found, `${method} ${text}`).toEqual(expected);
      // proto3 JSON omits a zero total.
      const total = expected.length > 0 ? { totalResult: String(expected.length) } : {};
      expect(reply.body.pagination).toEqual({ ...total, appliedLimit: 100 });
    }
  });

  it("matches ids with an id filter (Connect binary over HTTP/2)", async () => {
    // given
    const names = [uniqueName("ids"), uniqueName("ids"), uniqueName("ids")];
    const ids = [...(await givenTargets(names)).values()];

    // when
    const page = await binary.targets.listTargets({
      filters: [{ filter: { case: "inTargetIdsFilter", value: { targetIds: [ids[2]!, ids[0]!, "no-such-id"] } } }],
      pagination: { asc: true },
    });

    // then
    expect(page.targets.map((t) => t.id)).toEqual([ids[0], ids[2]]);
    expect(page.pagination?.totalResult).toBe(2n);
    expect(page.targets[0]?.name).toBe(names[0]);
  });
});

describe("ListTargets sorting and pagination", () => {
  it("sorts by the chosen column in both directions and pages with totals", async () => {
    // given: creation order differs from name, endpoint and timeout order
    const names = ["delta", "alpha", "echo", "charlie", "bravo"].map((word) => uniqueName(`sort-${word}`));
    const ids = await givenTargets(names, (index) => ({
      endpoint: `https://e${(index * 3) % 5}.example.com/`,
      timeout: `${10 + ((index * 2) % 5)}s`,
    }));
    const filters = [{ targetNameFilter: { targetName: "sort-", method: "TEXT_FILTER_METHOD_STARTS_WITH" } }];
    const list = async (sortingColumn: string, pagination: Record<string, unknown>) => {
      const reply = await postJson(server.baseUrl, "TargetService/ListTargets", {
        sortingColumn,
        pagination,
        filters: [...filters, { inTargetIdsFilter: { targetIds: [...ids.values()] } }],
      });
      expect(reply.status, reply.text).toBe(200);
      return reply.body;
    };
    const byName = [...names].sort();

    // then: name
    expect((await list("TARGET_FIELD_NAME_NAME", { asc: true })).targets.map((t: { name: string }) => t.name)).toEqual(
      byName,
    );
    expect((await list("TARGET_FIELD_NAME_NAME", { asc: false })).targets.map((t: { name: string }) => t.name)).toEqual(
      [...byName].reverse(),
    );

    // then: creation date, the default, newest first unless asc
    const defaultOrder = (await list("TARGET_FIELD_NAME_UNSPECIFIED", {})).targets.map((t: { name: string }) => t.name);
    expect(defaultOrder).toEqual([...names].reverse());
    const ascending = (await list("TARGET_FIELD_NAME_CREATION_DATE", { asc: true })).targets;
    expect(ascending.map((t: { name: string }) => t.name)).toEqual(names);

    // then: endpoint and timeout
    const byEndpoint = (await list("TARGET_FIELD_NAME_ENDPOINT", { asc: true })).targets;
    expect(byEndpoint.map((t: { endpoint: string }) => t.endpoint)).toEqual(
      byEndpoint.map((t: { endpoint: string }) => t.endpoint).sort(),
    );
    const byTimeout = (await list("TARGET_FIELD_NAME_TIMEOUT", { asc: true })).targets;
    expect(byTimeout.map((t: { timeout: string }) => t.timeout)).toEqual(["10s", "11s", "12s", "13s", "14s"]);

    // then: a page in the middle
    const page = await list("TARGET_FIELD_NAME_NAME", { offset: "1", limit: 2, asc: true });
    expect(page.pagination).toEqual({ totalResult: "5", appliedLimit: 2 });
    expect(page.targets.map((t: { name: string }) => t.name)).toEqual(byName.slice(1, 3));
    const last = await list("TARGET_FIELD_NAME_NAME", { offset: "4", limit: 2, asc: true });
    expect(last.targets.map((t: { name: string }) => t.name)).toEqual(byName.slice(4));
    const past = await list("TARGET_FIELD_NAME_NAME", { offset: "10", limit: 2, asc: true });
    expect(past).toEqual({ pagination: { totalResult: "5", appliedLimit: 2 } });
  });

  it("answers the documented list shape over Connect GET and gRPC-web alike", async () => {
    // given
    const name = uniqueName("shape");
    const ids = await givenTargets([name]);
    const request = {
      pagination: { offset: "0", limit: 100, asc: true },
      filters: [{ targetNameFilter: { targetName: name } }],
    };

    // when
    const viaGet = await getJson(server.baseUrl, "TargetService/ListTargets", request);
    const viaGrpcWeb = await createGrpcWebClients(server.baseUrl).targets.listTargets({
      pagination: { offset: 0n, limit: 100, asc: true },
      filters: [
        {
          filter: {
            case: "targetNameFilter",
            value: { targetName: name.toUpperCase(), method: TextFilterMethod.EQUALS_IGNORE_CASE },
          },
        },
      ],
      sortingColumn: TargetFieldName.NAME,
    });

    // then
    expect(viaGet.status, viaGet.text).toBe(200);
    expect(Object.keys(viaGet.body)).toEqual(["pagination", "targets"]);
    expect(viaGet.body.pagination).toEqual({ totalResult: "1", appliedLimit: 100 });
    expect(viaGet.body.targets).toEqual([
      expect.objectContaining({ id: ids.get(name), name, timeout: "5s", restWebhook: { interruptOnError: true } }),
    ]);
    expect(viaGet.text).not.toContain("whsec_");
    expect(viaGrpcWeb.targets.map((t) => t.id)).toEqual([ids.get(name)]);
    expect(viaGrpcWeb.pagination).toMatchObject({ totalResult: 1n, appliedLimit: 100 });
  });
});
