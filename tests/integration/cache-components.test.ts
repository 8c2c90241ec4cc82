/**
 * Issue 13 over real HTTP, against the example built with Cache Components and Partial Prefetching
 * on (`.next/`) and, where the answer differs, off (`.next-classic/`):
 * - pages keep a static shell (`x-nextjs-postponed`), the session streams in; pages rendered per
 *   request get it inline, and no request logs a Next prerender error;
 * - per-user caching (app/cached): no token, session cookie or e-mail ever reaches a cache key, tag,
 *   cached value or the private cache's result, and logout expires the user's entries;
 * - what `unauthorized()` / `forbidden()` answer on a page rendered per request and inside a streamed part.
 * The example's cache handler (lib/cache-handler.cjs) records every key, tag and value it is given.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { jsonPost, setCookies } from '../support/http';
import { openSessionCookie } from '../support/session-cookie';
import { startStack, type Stack } from '../support/stack';

const COOKIE = 'bffkit';
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const SECOND = { email: 'second@example.com', password: 'second-password' };
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
/** What Next logs for a page that reads request data, the clock or randomness while prerendering. */
const PRERENDER_TROUBLE = /encountered|uncached|runtime data|Date\.now|prerender|outside of <Suspense>|⨯/i;

const cacheLog = join(mkdtempSync(join(tmpdir(), 'bffkit-cache-log-')), 'cache.jsonl');
let stack: Stack;
let classic: AppProcess;
const url = (path: string) => stack.app.url + path;

type LogLine = { op: 'get' | 'set' | 'updateTags'; key?: string; tags?: string[]; value?: string; hit?: boolean };
const logLines = (): LogLine[] =>
  existsSync(cacheLog) ? readFileSync(cacheLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine) : [];

async function signIn(creds: { email: string; password: string }): Promise<{ cookie: string; value: string }> {
  const res = await jsonPost(url('/api/auth/login'), creds);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  const value = setCookies(res).find((c) => c.name === COOKIE)?.value;
  if (!value) throw new Error('no session cookie');
  return { cookie: `${COOKIE}=${value}`, value };
}

async function page(path: string, cookie?: string, base = stack.app.url) {
  const res = await fetch(base + path, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** The text of the element with `data-testid` in server HTML (the streamed copy included). */
const testId = (html: string, id: string) => new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];

beforeAll(async () => {
  stack = await startStack({
    appEnv: { BFF_EXAMPLE_CACHE_LOG: cacheLog, BFF_EXAMPLE_DENIED_ACCOUNTS: SECOND.email },
  });
  classic = await startApp({ backendUrl: stack.backend.url, variant: 'classic', env: { BFF_EXAMPLE_DENIED_ACCOUNTS: SECOND.email } });
});

afterAll(async () => {
  await classic?.stop();
  await stack?.stop();
});

describe('static shells with Cache Components', () => {
  it('public and streamed pages answer their prerendered shell first; the session streams in behind it', async () => {
    const { cookie } = await signIn(DEMO);
    for (const path of ['/', '/handoff', '/notes', '/cached']) {
      const res = await page(path, cookie);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-nextjs-postponed'), path).toBe('1');
      // The shell's fallback comes first, the signed-in header after it, in the same response.
      const fallback = res.html.indexOf('data-testid="session-fallback"');
      const status = res.html.indexOf('Signed in as Demo User');
      expect(fallback, path).toBeGreaterThan(0);
      expect(status, path).toBeGreaterThan(fallback);
    }
    const anonymous = await page('/');
    expect(testId(anonymous.html, 'session-status')).toBe('Not signed in');
  });

  it('pages rendered per request (login, profile, sessions) carry the session inline: no fallback, no flash', async () => {
    const { cookie } = await signIn(DEMO);
    for (const path of ['/login', '/profile', '/sessions']) {
      const res = await page(path, cookie);
      expect(res.status, path).toBe(200);
      expect(res.html, path).not.toContain('data-testid="session-fallback"');
      expect(testId(res.html, 'session-status'), path).toBe('Signed in as Demo User');
    }
  });
});

describe('caching per user (app/cached: bff.perUser + use cache, and use cache: private)', () => {
  it('serves the second visit from the cache, and no token, session cookie or e-mail reaches a key, tag or value', async () => {
    const { cookie, value } = await signIn(DEMO);
    const tokens = openSessionCookie(value);
    const first = await page('/cached', cookie);
    expect(first.status).toBe(200);
    const cachedAt = testId(first.html, 'cached-at');
    expect(cachedAt).toMatch(/^\d{4}-/);
    expect(testId(first.html, 'cached-name')).toBe('Demo User');
    const second = await page('/cached', cookie);
    expect(testId(second.html, 'cached-at')).toBe(cachedAt);

    const lines = logLines();
    const sets = lines.filter((l) => l.op === 'set');
    expect(sets.length, 'the per-user entry was stored').toBeGreaterThan(0);
    expect(lines.some((l) => l.op === 'get' && l.hit)).toBe(true);
    const tag = sets[0]!.tags!.find((t) => t.startsWith('bffkit:u:'));
    expect(tag).toMatch(/^bffkit:u:[A-Za-z0-9_-]{22}$/);
    expect(sets[0]!.key).toContain(tag);

    const stored = JSON.stringify(lines);
    for (const [what, secret] of [
      ['access token', tokens.a],
      ['refresh token', tokens.r!],
      ['session cookie', value],
      ['e-mail', DEMO.email],
      ['JWT signature', tokens.a.split('.')[2]!],
    ] as const) {
      expect(stored.includes(secret), `the ${what} in the cache log`).toBe(false);
    }
    expect(stored).not.toMatch(JWT);
    // The private cache's result is the page's own content: nothing of the session but the name.
    for (const secret of [tokens.a, tokens.r!, value]) expect(second.html.includes(secret)).toBe(false);
  });

  it('logout expires the user\'s tag; signed in again, the entry is made anew', async () => {
    const { cookie } = await signIn(DEMO);
    const before = testId((await page('/cached', cookie)).html, 'cached-at');
    const tag = logLines().find((l) => l.op === 'set')!.tags!.find((t) => t.startsWith('bffkit:u:'))!;
    const out = await jsonPost(url('/api/auth/logout'), {}, { cookie });
    expect(out.status).toBe(200);
    expect(logLines().filter((l) => l.op === 'updateTags').map((l) => l.tags)).toContainEqual([tag]);
    const again = await signIn(DEMO);
    const after = testId((await page('/cached', again.cookie)).html, 'cached-at');
    expect(after).not.toBe(before);
  });

  it('keeps users apart: another user gets their own entry under another tag', async () => {
    const demo = await signIn(DEMO);
    const second = await signIn(SECOND);
    await page('/cached', demo.cookie);
    const res = await page('/cached', second.cookie);
    expect(testId(res.html, 'cached-name')).toBe('Second User');
    const tags = new Set(logLines().flatMap((l) => l.tags ?? []).filter((t) => t.startsWith('bffkit:u:')));
    expect(tags.size).toBe(2);
  });
});

describe('unauthorized() and forbidden() (experimental.authInterrupts; measured, Next 16.4)', () => {
  /** Their page travels in the RSC payload and is drawn by the client: never in the server HTML. */
  const interrupt = (html: string, heading: string) => {
    expect(html).toContain(heading);
    expect(html).not.toContain(`<h1>${heading}</h1>`);
  };

  it('without Cache Components, a page-level check answers 401 / 403; inside <Suspense> the status is already 200', async () => {
    const second = await signIn(SECOND);
    const anonymous = await page('/account', undefined, classic.url);
    expect(anonymous.status).toBe(401);
    interrupt(anonymous.html, 'Sign in required');
    const denied = await page('/account', second.cookie, classic.url);
    expect(denied.status).toBe(403);
    interrupt(denied.html, 'Not allowed');
    const streamed = await page('/account/streamed', undefined, classic.url);
    expect(streamed.status).toBe(200);
    interrupt(streamed.html, 'Sign in required');
  });

  it('with Cache Components every page answers 200, even one rendered per request (instant = false): its empty shell was sent first', async () => {
    const second = await signIn(SECOND);
    for (const path of ['/account', '/account/streamed']) {
      const anonymous = await page(path);
      expect(anonymous.status, path).toBe(200);
      expect(anonymous.headers.get('x-nextjs-postponed'), path).toBe('1');
      interrupt(anonymous.html, 'Sign in required');
      const denied = await page(path, second.cookie);
      expect(denied.status, path).toBe(200);
      interrupt(denied.html, 'Not allowed');
    }
    const demo = await signIn(DEMO);
    expect(testId((await page('/account', demo.cookie)).html, 'account-email')).toBe(DEMO.email);
  });
});

describe('server health', () => {
  it('no request logged a Next prerender error or an unhandled error', () => {
    for (const output of [stack.app.output(), classic.output()]) {
      const bad = output.split('\n').filter((line) => PRERENDER_TROUBLE.test(line) || /TypeError|unhandled|internal_error/i.test(line));
      expect(bad, output).toEqual([]);
    }
  });
});
