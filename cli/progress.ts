/**
 * Live progress of a job or batch while `--wait` or `watch` runs, on stderr:
 * a bar redrawn in place on a terminal, one plain line per change otherwise
 * (logs and CI output stay readable).
 */
import type { Progress } from "../client/node.js";
import type { CliIo } from "./command.js";

/** What a progress line shows. */
export interface ProgressState {
  /** `job` or `batch`. */
  readonly kind: string;
  readonly id: string;
  /** Short status, e.g. `running`. */
  readonly status: string;
  readonly progress: Progress | undefined;
}

/**
 * `[########------------] 4/10  ok 3  failed 1  running  job 42`, fitted to
 * `width` columns: the bar shrinks first, then the id is cut.
 */
export function renderProgressBar(state: ProgressState, width = 80): string {
  const { total = 0, succeeded = 0, failed = 0 } = state.progress ?? {};
  const done = succeeded + failed;
  const counts = ` ${done}/${total}  ok ${succeeded}  failed ${failed}  ${state.status}  ${state.kind} ${state.id}`;
  const barWidth = Math.max(10, Math.min(30, width - 1 - counts.length - 2));
  const filled = total === 0 ? 0 : Math.round((done / total) * barWidth);
  const line = `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${counts}`;
  // One column short of the width: a full line would wrap on some terminals and break the redraw.
  return line.length > width - 1 ? line.slice(0, Math.max(0, width - 1)) : line;
}

/** `job 42: running, 2/3 done (ok 2, failed 0)` — one line per change when not on a terminal. */
export function renderProgressLine(state: ProgressState): string {
  const { total = 0, succeeded = 0, failed = 0 } = state.progress ?? {};
  return `${state.kind} ${state.id}: ${state.status}, ${succeeded + failed}/${total} done (ok ${succeeded}, failed ${failed})`;
}

/** Shows progress updates on stderr; `finish()` ends the live line. */
export interface ProgressReporter {
  update(state: ProgressState): void;
  finish(): void;
}

/** A reporter for `io`: redrawn bar on a terminal, plain lines (only when something changed) otherwise. */
export function createProgressReporter(io: CliIo): ProgressReporter {
  let last = "";
  let drawn = false;
  return {
    update(state) {
      if (io.stderrIsTty) {
        io.err(`\r\x1b[2K${renderProgressBar(state, io.columns ?? 80)}`);
        drawn = true;
        return;
      }
      const line = renderProgressLine(state);
      if (line !== last) io.err(`${line}\n`);
      last = line;
    },
    finish() {
      if (drawn) io.err("\n");
      drawn = false;
    },
  };
}
