/**
 * A progress bar of a job (its targets) or a batch (its jobs).
 */
import type { Progress } from "../../../client/index.js";
import { h } from "../dom.js";

/** A segmented bar (succeeded, failed, running) with its counts as text. */
export function progressBar(progress: Progress | undefined, label: string): HTMLElement {
  const total = progress?.total ?? 0;
  const succeeded = progress?.succeeded ?? 0;
  const failed = progress?.failed ?? 0;
  const running = progress?.running ?? 0;
  const pending = progress?.pending ?? 0;
  const done = succeeded + failed;
  const bar = h("div", {
    class: "progress-bar",
    role: "progressbar",
    "aria-label": label,
    "aria-valuemin": 0,
    "aria-valuemax": total,
    "aria-valuenow": done,
    "aria-valuetext": `${done} of ${total} done`,
  });
  for (const [name, count] of [["succeeded", succeeded], ["failed", failed], ["running", running]] as const) {
    if (count === 0 || total === 0) continue;
    const segment = h("span", { class: `segment ${name}` });
    // CSSOM, not a style attribute: the page's CSP allows no inline styles.
    segment.style.width = `${(100 * count) / total}%`;
    bar.append(segment);
  }
  return h(
    "div",
    { class: "progress" },
    bar,
    h("p", { class: "progress-text" }, `${done} of ${total} done · ${succeeded} succeeded · ${failed} failed · ${running} running · ${pending} pending`),
  );
}
