/**
 * Test helper: runs `action`, which must throw a {@link SwitchyardError}, and
 * returns that error so a test can assert on its kind, reason and metadata.
 */
import { expect } from "vitest";
import { SwitchyardError } from "../../server/domain/errors.js";

/** The SwitchyardError that `action` throws; fails the test if it returns or throws anything else. */
export function thrownBy(action: () => unknown): SwitchyardError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "expected a SwitchyardError to be thrown").toBeInstanceOf(SwitchyardError);
  return thrown as SwitchyardError;
}
