/**
 * Remembers, for a few seconds, that the user pressed "Sign out" in this tab, so the
 * SessionWatcher can tell a deliberate sign-out (header goes to /login) from a session that
 * ended on its own (watcher goes to /login?returnTo=…).
 */

const INTENT_WINDOW_MS = 5_000;

let markedAt = 0;

/** Called by the header right before `signOut()`. */
export function markSignOutIntent(): void {
  markedAt = Date.now();
}

/** True (once) when a sign-out was requested in this tab within the last few seconds. */
export function consumeSignOutIntent(): boolean {
  const recent = Date.now() - markedAt < INTENT_WINDOW_MS;
  markedAt = 0;
  return recent;
}
