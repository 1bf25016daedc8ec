/** Mappers for the shapes every service shares: details, pagination, time. */
import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Details,
  DetailsSchema,
  type PaginationRequest,
  type PaginationResponse,
  PaginationResponseSchema,
  TextFilterMethod,
  type TimeRange,
} from "../../../gen/switchyard/v1/common_pb.js";
import type { Details as DomainDetails } from "../../domain/events.js";
import type { Page, PageQuery, TextMatch } from "../../store/store.js";

/** Page size when a request names none. */
export const defaultPageLimit = 100;

/** Details as the API shows them. */
export function detailsToProto(details: DomainDetails): Details {
  return create(DetailsSchema, {
    sequence: details.sequence,
    changeDate: timestampFromDate(details.changeDate),
    resourceOwner: details.resourceOwner,
  });
}

/** Optional details (a delete of something that never existed has none). */
export function optionalDetailsToProto(details: DomainDetails | undefined): Details | undefined {
  return details ? detailsToProto(details) : undefined;
}

/** Largest offset passed to the store: beyond it a number stops being an exact integer. */
const maxOffset = BigInt(Number.MAX_SAFE_INTEGER);

/** Largest position the store can hold (a signed 64-bit integer). */
const maxPosition = 2n ** 63n - 1n;

/** The page a request asks for; validation already bounded the limit to 1..1000. */
export function pageFromProto(pagination: PaginationRequest | undefined): PageQuery {
  const offset = pagination?.offset ?? 0n;
  return {
    // An offset past every row answers an empty page, however large the uint64 is.
    offset: Number(offset > maxOffset ? maxOffset : offset),
    limit: pagination?.limit ?? defaultPageLimit,
    asc: pagination?.asc ?? false,
  };
}

/**
 * A position bound from a request, clamped to what the store can hold: a
 * uint64 past every possible event still matches none instead of failing.
 */
export function positionFromProto(position: bigint): bigint {
  return position > maxPosition ? maxPosition : position;
}

/** How a page relates to the whole result. */
export function paginationToProto(page: Page<unknown>, query: PageQuery): PaginationResponse {
  return create(PaginationResponseSchema, { totalResult: BigInt(page.total), appliedLimit: query.limit });
}

const textMatches: Record<TextFilterMethod, TextMatch> = {
  [TextFilterMethod.UNSPECIFIED]: "equals",
  [TextFilterMethod.EQUALS]: "equals",
  [TextFilterMethod.EQUALS_IGNORE_CASE]: "equals_ignore_case",
  [TextFilterMethod.STARTS_WITH]: "starts_with",
  [TextFilterMethod.STARTS_WITH_IGNORE_CASE]: "starts_with_ignore_case",
  [TextFilterMethod.CONTAINS]: "contains",
  [TextFilterMethod.CONTAINS_IGNORE_CASE]: "contains_ignore_case",
  [TextFilterMethod.ENDS_WITH]: "ends_with",
  [TextFilterMethod.ENDS_WITH_IGNORE_CASE]: "ends_with_ignore_case",
};

/** A text filter method as the store understands it. */
export function textMatchFromProto(method: TextFilterMethod): TextMatch {
  return textMatches[method];
}

/** A time range as optional dates. */
export function timeRangeFromProto(range: TimeRange | undefined): { createdFrom?: Date; createdTo?: Date } {
  return {
    ...(range?.from ? { createdFrom: timestampDate(range.from) } : {}),
    ...(range?.to ? { createdTo: timestampDate(range.to) } : {}),
  };
}

/** An optional timestamp. */
export function optionalTimestamp(date: Date | undefined): Timestamp | undefined {
  return date ? timestampFromDate(date) : undefined;
}
