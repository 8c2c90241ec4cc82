/**
 * The audit events an app process printed: the example app's sink writes one JSON object per line on
 * stdout (examples/next-app/lib/events.ts). Helpers to read them, wait for one, and check that none
 * holds a secret.
 */
import { readSessionCookie } from './session-cookie';

/** One event as printed (the `BffEvent` union, loosely typed for tests). */
export type PrintedEvent = { type: string; timestamp: string; outcome: string; sessionIdHash: string | null; userId: string | null; clientAddress: string | null; userAgent: string | null } & Record<string, unknown>;

/**
 * Every event line in a process's output, in order.
 *
 * @example
 * const events = printedEvents(app.output());
 */
export function printedEvents(output: string): PrintedEvent[] {
  const events: PrintedEvent[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{"type":"')) continue;
    events.push(JSON.parse(line) as PrintedEvent);
  }
  return events;
}

/**
 * Waits until an event matching `match` (past the first `after` events) has been printed; answers it.
 *
 * @example
 * const ended = await waitForEvent(app, (e) => e.type === 'session.ended' && e.reason === 'idle');
 */
export async function waitForEvent(
  proc: { output(): string },
  match: (event: PrintedEvent) => boolean,
  { after = 0, timeoutMs = 10_000 }: { after?: number; timeoutMs?: number } = {},
): Promise<PrintedEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = printedEvents(proc.output()).slice(after).find(match);
    if (found) return found;
    if (Date.now() > deadline) {
      const types = printedEvents(proc.output()).slice(after).map((e) => e.type);
      throw new Error(`no matching event within ${timeoutMs} ms; printed since: ${types.join(', ') || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The secret strings a test handled: each cookie value, the tokens inside each session cookie (opened
 * with TEST_SECRET), plus `extra` (passwords, the app secret, raw tokens). Short values are left out
 * (they would match by chance).
 *
 * @example
 * expectNoSecrets(printedEvents(app.output()), secretsOf(cookies, [TEST_SECRET, 'demo-password']));
 */
export function secretsOf(cookieValues: readonly string[], extra: readonly string[] = []): string[] {
  const out = new Set<string>(extra);
  for (const value of cookieValues) {
    out.add(value);
    const session = readSessionCookie(value);
    if (!session) continue;
    for (const t of [session.tokens.accessToken, session.tokens.refreshToken, session.tokens.idToken]) if (t) out.add(t);
  }
  return [...out].filter((s) => s.length >= 8);
}

/**
 * Fails when any event holds any of the secrets, in full or as its first 16 characters, or anything
 * shaped like a JWT or a Bearer credential.
 *
 * @example
 * expectNoSecrets(events, secrets);
 */
export function expectNoSecrets(events: readonly PrintedEvent[], secrets: readonly string[]): void {
  const text = JSON.stringify(events);
  for (const secret of secrets) {
    if (text.includes(secret) || (secret.length >= 24 && text.includes(secret.slice(0, 16)))) {
      throw new Error(`an event holds a secret (${secret.slice(0, 4)}…, ${secret.length} chars)`);
    }
  }
  if (/eyJ[A-Za-z0-9_-]{10,}\.|Bearer [A-Za-z0-9]/.test(text)) throw new Error('an event holds a JWT or a Bearer credential');
  for (const word of ['password', 'cookie', 'secret', 'token']) {
    // Field names may not carry these words either (nothing is named "accessToken" or "cookie").
    for (const e of events) for (const key of Object.keys(e)) if (key.toLowerCase().includes(word)) throw new Error(`event ${e.type} has a field "${key}"`);
  }
}
