/**
 * The 30 properties of docs/security.md, by number: the names the security suite files its tests under.
 *
 * A test belongs to item N when its describe/test name contains `SECURITY NN` (use {@link item});
 * a range `SECURITY NN..MM` (use {@link items}) belongs to every item in it (the per-file server
 * health checks). report.ts prints one PASS/FAIL line per item from these names.
 */

/** Short titles, one per docs/security.md item. */
export const ITEMS: Readonly<Record<number, string>> = {
  1: 'cookies are HttpOnly, Secure, Path=/, no Domain, __Host-, SameSite (dev relax warned once)',
  2: 'no token reaches the browser (bodies, headers, HTML, RSC, JS, cookies, storage, URLs)',
  3: 'session cookie is AES-256-GCM with a key per purpose',
  4: 'tampered cookies are anonymous, cleared, answered fast and logged once',
  5: 'secret rotation works; a missing or short secret is refused',
  6: 'only the exact cookie name is read',
  7: 'large sessions are chunked, never dropped',
  8: 'login always issues a fresh session (no fixation)',
  9: 'idle and absolute timeouts come from the sealed timestamps',
  10: 'rolling renewal never passes the absolute timeout',
  11: 'logout clears, revokes, refuses replays and cannot be undone by a racing request',
  12: 'a rejected refresh ends the session; a down or slow backend keeps it',
  13: 'every state change needs the anti-forgery header and passes Fetch Metadata / Origin',
  14: 'login takes JSON only, plus the Origin-checked no-JS form',
  15: 'no state change on GET; CORS stays closed',
  16: 'Host and X-Forwarded-Host never build redirects or origins',
  17: 'returnTo keeps same-origin paths only (whole corpus over HTTP)',
  18: 'forwarding reaches only allowed paths and methods; traversal 400; host never changes',
  19: 'browser cookies, Authorization, X-Forwarded-* and hop-by-hop never reach the backend',
  20: 'upstream Set-Cookie and hop-by-hop are stripped; upstream redirects are not followed',
  21: 'odd methods refused, 413 body limit, 504 timeout, 502 unreachable, session kept',
  22: 'unauthenticated API calls get 401 JSON, never a redirect',
  23: 'handlers check the session themselves; spoofed x-middleware-subrequest changes nothing',
  24: 'single-flight refresh; the next refresh after a storm still works',
  25: 'the backend never receives an expired access token',
  26: "a refreshed session is visible to the same request's Server Components",
  27: 'failed logins answer one generic message; request bodies are never logged',
  28: 'brute force: 429 + Retry-After per account and per trusted client address',
  29: 'session responses send Cache-Control: private, no-store; JSON sends nosniff',
  30: 'error responses carry no tokens, secrets, cookie values or stack traces',
};

/**
 * What part of an item only a unit test reaches, and why; printed after the item's line.
 */
export const NOTES: Readonly<Record<number, string>> = {
  1: 'SameSite=Strict and the OIDC transaction cookie: unit (cookie.test.ts), the example app configures neither',
  3: 'GCM bit-level tampering: unit (seal.test.ts)',
  21: 'TRACE: Next.js fails on it before app code; the example app\'s pages/_error.tsx answers 405 (README, Security); core 405: unit (path.test.ts)',
  23: 'API 401s come from the forwarding route handler itself: proxy.ts does not guard /api/backend',
};

/** Number of items. */
export const ITEM_COUNT = 30;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The describe name of item `n`.
 *
 * @example
 * describe(item(4), () => { ... }); // 'SECURITY 04 tampered cookies are anonymous, …'
 */
export function item(n: number): string {
  const title = ITEMS[n];
  if (!title) throw new RangeError(`no SECURITY item ${n}`);
  return `SECURITY ${pad(n)} ${title}`;
}

/**
 * A tag for a test that supports every item from `from` to `to` (e.g. the server health check).
 *
 * @example
 * it(`left the server healthy (${items(1, 8)})`, ...); // '... (SECURITY 01..08)'
 */
export function items(from: number, to: number): string {
  return `SECURITY ${pad(from)}..${pad(to)}`;
}

/**
 * Every item number a test name refers to.
 *
 * @example
 * itemsIn('SECURITY 01..03 > server health'); // [1, 2, 3]
 */
export function itemsIn(name: string): number[] {
  const out = new Set<number>();
  for (const m of name.matchAll(/SECURITY (\d{2})(?:\.\.(\d{2}))?/g)) {
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let n = from; n <= to; n++) if (ITEMS[n]) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}
