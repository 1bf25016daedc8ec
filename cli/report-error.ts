/**
 * Failures as people read them on stderr, and the exit code for each:
 * 2 for a usage mistake, 1 for a failed call (the server's code, message,
 * ErrorInfo reason and every field violation).
 */
import { Code, ConnectError, errorDetails } from "../client/node.js";
import { UsageError } from "./command.js";

/** Exit codes: what scripts can tell apart. */
export const exitCodes = {
  ok: 0,
  /** A call failed (or anything unexpected). */
  failed: 1,
  /** The command line was wrong. */
  usage: 2,
  /** The job or batch ended, but not SUCCEEDED. */
  unsuccessful: 3,
} as const;

/** Writes `error` to stderr and answers the exit code. */
export function reportError(error: unknown, err: (text: string) => void): number {
  if (error instanceof UsageError) {
    err(`switchyard: ${error.message}\n(see switchyard --help)\n`);
    return exitCodes.usage;
  }
  if (!(error instanceof ConnectError)) {
    err(`switchyard: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.failed;
  }
  const details = errorDetails(error);
  const reason = details.reason ? ` (${details.reason})` : "";
  err(`error: ${details.codeName}: ${details.message}${reason}${causeOf(error)}\n`);
  for (const violation of details.fieldViolations) err(`  ${violation.field}: ${violation.description}\n`);
  const metadata = Object.entries(details.metadata);
  if (metadata.length > 0) err(`  ${metadata.map(([key, value]) => `${key}=${value}`).join(" ")}\n`);
  return exitCodes.failed;
}

/** Why a connection failed (`connect ECONNREFUSED 127.0.0.1:8080`), which "fetch failed" hides. */
function causeOf(error: ConnectError): string {
  if (error.code !== Code.Unavailable && error.code !== Code.Unknown && error.code !== Code.Internal) return "";
  let cause: unknown = error.cause;
  const messages: string[] = [];
  while (cause instanceof Error && messages.length < 3) {
    if (!error.rawMessage.includes(cause.message)) messages.push(cause.message);
    cause = cause.cause;
  }
  return messages.length > 0 ? `: ${messages.join(": ")}` : "";
}
