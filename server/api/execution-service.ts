/** ExecutionService: thin converters around the execution commands and queries. */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  DeleteExecutionResponseSchema,
  ExecutionService,
  GetExecutionResponseSchema,
  ListExecutionFunctionsResponseSchema,
  ListExecutionMethodsResponseSchema,
  ListExecutionServicesResponseSchema,
  ListExecutionsResponseSchema,
  SetExecutionResponseSchema,
} from "../../gen/switchyard/v1/execution_pb.js";
import type { ExecutionCommands, RpcRegistry } from "../commands/execution-commands.js";
import { conditionKey } from "../domain/condition.js";
import { type Execution, executionNotFound } from "../domain/execution.js";
import { resolveExecutionTargets } from "../queries/resolve-targets.js";
import type { Store } from "../store/store.js";
import { actorOf } from "./context.js";
import { optionalDetailsToProto, pageFromProto, paginationToProto } from "./mappers/common.js";
import {
  conditionFromProto,
  elementsFromProto,
  executionFilterFromProto,
  executionToProto,
} from "./mappers/execution-mapper.js";

/** Creates the ExecutionService implementation. */
export function createExecutionService(deps: {
  store: Store;
  commands: ExecutionCommands;
  rpcRegistry: RpcRegistry;
}): ServiceImpl<typeof ExecutionService> {
  const { store, commands, rpcRegistry } = deps;

  /** Executions as the API shows them, with their resolved target ids. */
  async function withResolvedTargets(owner: string, executions: readonly Execution[]) {
    const resolved = await resolveExecutionTargets(store, owner, executions);
    return executions.map((execution) => executionToProto(execution, resolved.get(execution.key) ?? []));
  }

  return {
    async setExecution(request, context) {
      const result = await commands.setExecution(
        actorOf(context),
        conditionFromProto(request.condition!),
        elementsFromProto(request.targets),
        request.expectedSequence,
      );
      return create(SetExecutionResponseSchema, { details: optionalDetailsToProto(result.details) });
    },

    async getExecution(request, context) {
      const owner = actorOf(context).resourceOwner;
      const key = conditionKey(conditionFromProto(request.condition!));
      const execution = await store.getExecution(owner, key);
      if (!execution) {
        throw executionNotFound(key);
      }
      const [shown] = await withResolvedTargets(owner, [execution]);
      return create(GetExecutionResponseSchema, { execution: shown });
    },

    async deleteExecution(request, context) {
      const result = await commands.deleteExecution(
        actorOf(context),
        conditionFromProto(request.condition!),
        request.expectedSequence,
      );
      return create(DeleteExecutionResponseSchema, { details: optionalDetailsToProto(result.details) });
    },

    async listExecutions(request, context) {
      const owner = actorOf(context).resourceOwner;
      const query = { page: pageFromProto(request.pagination), filters: request.filters.map(executionFilterFromProto) };
      const page = await store.listExecutions(owner, query);
      return create(ListExecutionsResponseSchema, {
        pagination: paginationToProto(page, query.page),
        executions: await withResolvedTargets(owner, page.items),
      });
    },

    async listExecutionFunctions(_request, context) {
      const functions = await store.executionFunctionNames(actorOf(context).resourceOwner);
      return create(ListExecutionFunctionsResponseSchema, { functions });
    },

    listExecutionMethods() {
      return create(ListExecutionMethodsResponseSchema, { methods: [...rpcRegistry.methods].sort() });
    },

    listExecutionServices() {
      return create(ListExecutionServicesResponseSchema, { services: [...rpcRegistry.services].sort() });
    },
  };
}
