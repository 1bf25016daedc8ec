/** The Cancel button of a job or batch that has not ended: errors are shown beside it. */
import { actionButton, announce, replaceChildren } from "../dom.js";
import { showError } from "../errors.js";

/** Shows `label` in `actions` while the resource is open (nothing once `terminal`). */
export function showCancelAction(actions: HTMLElement, label: string, terminal: boolean, cancel: () => Promise<unknown>): void {
  replaceChildren(
    actions,
    !terminal &&
      actionButton(label, async () => {
        try {
          await cancel();
          announce("Cancel requested");
        } catch (error) {
          showError(actions, error);
        }
      }),
  );
}
