/**
 * The API token of this tab: pasted once, kept in sessionStorage (gone when
 * the tab closes, never sent anywhere but this server).
 */

const storageKey = "switchyard.token";
const listeners = new Set<() => void>();

/** The current token, or undefined. */
export function currentToken(): string | undefined {
  try {
    return sessionStorage.getItem(storageKey) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `token` for this tab (an empty one forgets it) and tells the listeners. */
export function setToken(token: string | undefined): void {
  const trimmed = token?.trim();
  if (trimmed) sessionStorage.setItem(storageKey, trimmed);
  else sessionStorage.removeItem(storageKey);
  for (const listener of listeners) listener();
}

/** Calls `listener` whenever the token changes; returns the unsubscribe. */
export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
