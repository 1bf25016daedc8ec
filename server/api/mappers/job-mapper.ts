/** Jobs and batches between the domain and the API. */
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ListValueSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  type Batch as BatchMessage,
  BatchSchema,
  ColumnType,
  type Job as JobMessage,
  JobSchema,
  JobStatus,
  type ResultSchema as ResultSchemaMessage,
  ResultSchemaSchema,
  type ResultTable,
  ResultTableSchema,
} from "../../../gen/switchyard/v1/job_pb.js";
import type { Batch, ColumnType as DomainColumnType, Job, JobStatus as DomainJobStatus, ResultColumn } from "../../domain/job.js";
import { detailsToProto, optionalTimestamp } from "./common.js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";

const statuses: Record<DomainJobStatus, JobStatus> = {
  accepted: JobStatus.ACCEPTED,
  running: JobStatus.RUNNING,
  succeeded: JobStatus.SUCCEEDED,
  partially_failed: JobStatus.PARTIALLY_FAILED,
  failed: JobStatus.FAILED,
  cancelled: JobStatus.CANCELLED,
};

const columnTypes: Record<DomainColumnType, ColumnType> = {
  string: ColumnType.STRING,
  number: ColumnType.NUMBER,
  bool: ColumnType.BOOL,
  unspecified: ColumnType.UNSPECIFIED,
};

export function jobStatusToProto(status: DomainJobStatus): JobStatus {
  return statuses[status];
}

/** Statuses from a request (validation refused UNSPECIFIED and unknown numbers). */
export function jobStatusesFromProto(values: readonly JobStatus[]): DomainJobStatus[] {
  const byNumber = new Map(Object.entries(statuses).map(([name, value]) => [value, name as DomainJobStatus]));
  return values.flatMap((value) => byNumber.get(value) ?? []);
}

export function resultSchemaToProto(columns: readonly ResultColumn[] | undefined): ResultSchemaMessage | undefined {
  return columns ? create(ResultSchemaSchema, { columns: columns.map((column) => ({ name: column.name, type: columnTypes[column.type] })) }) : undefined;
}

export function jobToProto(job: Job): JobMessage {
  return create(JobSchema, {
    id: job.id,
    operation: { function: job.function, input: job.input },
    status: statuses[job.status],
    progress: { ...job.progress },
    ...(job.result !== undefined ? { result: fromJson(ValueSchema, job.result) } : {}),
    ...(job.resultSchema ? { resultSchema: resultSchemaToProto(job.resultSchema) } : {}),
    ...(job.error ? { error: { code: job.error.code, message: job.error.message, targetId: job.error.targetId ?? "" } } : {}),
    createdAt: timestampFromDate(job.createdAt),
    startedAt: optionalTimestamp(job.startedAt),
    completedAt: optionalTimestamp(job.completedAt),
    idempotencyKey: job.idempotencyKey ?? "",
    callbackUrl: job.callbackUrl ?? "",
    batchId: job.batchId ?? "",
    attempts: job.attempts,
    details: detailsToProto(job.details),
  });
}

export function batchToProto(batch: Batch): BatchMessage {
  return create(BatchSchema, {
    id: batch.id,
    status: statuses[batch.status],
    progress: { ...batch.progress },
    callbackUrl: batch.callbackUrl ?? "",
    idempotencyKey: batch.idempotencyKey ?? "",
    createdAt: timestampFromDate(batch.createdAt),
    startedAt: optionalTimestamp(batch.startedAt),
    completedAt: optionalTimestamp(batch.completedAt),
    details: detailsToProto(batch.details),
  });
}

/** A list of flat records as a table (`columns` from the result schema); rows follow the column order. */
export function resultTable(result: JsonValue | undefined, columns: readonly ResultColumn[]): ResultTable {
  const records = Array.isArray(result) ? result : [];
  return create(ResultTableSchema, {
    schema: resultSchemaToProto(columns),
    rows: records.map((record) => {
      const fields = (record ?? {}) as Record<string, JsonValue>;
      return fromJson(ListValueSchema, columns.map((column) => fields[column.name] ?? null));
    }),
  });
}
