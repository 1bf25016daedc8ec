/**
 * Reference data that several pages show by name: targets, functions, methods.
 */
import type { Target } from "../../client/index.js";
import { api } from "./api.js";

/** Every target of the owner (up to 1000), by id. */
export async function targetsById(signal?: AbortSignal): Promise<Map<string, Target>> {
  const { targets } = await api.targets.listTargets({ pagination: { limit: 1000, asc: true } }, { signal });
  return new Map(targets.map((target) => [target.id, target]));
}

/** A target's name, or its id when it is gone. */
export function targetName(targets: ReadonlyMap<string, Target>, id: string): string {
  return targets.get(id)?.name ?? id;
}

/** The names of the functions that have an execution. */
export async function functionNames(signal?: AbortSignal): Promise<string[]> {
  const { functions } = await api.executions.listExecutionFunctions({}, { signal });
  return functions;
}
