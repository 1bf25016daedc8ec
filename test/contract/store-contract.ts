/**
 * The contract every Store backend must pass. Each backend's test file calls
 * {@link describeStoreContract} with a factory that opens a fresh, empty
 * database per test.
 */
import { describe } from "vitest";
import { describeApiKeysContract } from "./api-keys-contract.js";
import { describeAppendContract } from "./append-contract.js";
import { describeBatchesContract } from "./batches-contract.js";
import { describeDeliveriesContract } from "./deliveries-contract.js";
import { describeDeliveryDispatchContract } from "./delivery-dispatch-contract.js";
import { describeDeliveryQueriesContract } from "./delivery-queries-contract.js";
import { describeDurabilityContract } from "./durability-contract.js";
import { describeEventsContract } from "./events-contract.js";
import { describeExecutionsContract } from "./executions-contract.js";
import type { StoreFactory } from "./fixtures.js";
import { describeJobLeasesContract } from "./job-leases-contract.js";
import { describeJobQueriesContract } from "./job-queries-contract.js";
import { describeJobsProjectionContract } from "./jobs-projection-contract.js";
import { describeOwnerIsolationContract } from "./owner-isolation-contract.js";
import { describeSubscribeContract } from "./subscribe-contract.js";
import { describeTargetProjectionContract } from "./target-projection-contract.js";
import { describeTargetQueriesContract } from "./target-queries-contract.js";

export type { AppliedMigration, StoreFactory, StoreHarness } from "./fixtures.js";

/** Registers the whole store contract for `backendName`; `createStore` is called once per test. */
export function describeStoreContract(backendName: string, createStore: StoreFactory): void {
  describe(`Store contract (${backendName})`, () => {
    describeAppendContract(createStore);
    describeEventsContract(createStore);
    describeSubscribeContract(createStore);
    describeOwnerIsolationContract(createStore);
    describeTargetProjectionContract(createStore);
    describeTargetQueriesContract(createStore);
    describeExecutionsContract(createStore);
    describeDurabilityContract(createStore);
    describeDeliveriesContract(createStore);
    describeDeliveryQueriesContract(createStore);
    describeDeliveryDispatchContract(createStore);
    describeJobsProjectionContract(createStore);
    describeJobQueriesContract(createStore);
    describeJobLeasesContract(createStore);
    describeBatchesContract(createStore);
    describeApiKeysContract(createStore);
  });
}
