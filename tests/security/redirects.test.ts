/**
 * docs/security.md 17 over HTTP: the whole returnTo corpus (packages/bffkit/src/core/http/fixtures/
 * return-to-corpus.json, plus absurd lengths) through every channel that redirects: JSON login
 * (`redirectTo`), the no-JS login form (303, success and failure), proxy.ts (anonymous page
 * requests, payload in the query and in the raw path), the logout form, the login page that echoes
 * returnTo into its form, and a sample through Chromium with JavaScript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import corpusJson from '../../packages/bffkit/src/core/http/fixtures/return-to-corpus.json';
import { isSafeReturnTo, safeReturnTo } from '../../packages/bffkit/src/core/http/return-to';
import { launchBrowser } from '../support/browser';
import type { Reply } from './lib/client';
import { DEMO, SECOND } from './lib/session';
import { expectHealthy, startTarget, type Target } from './lib/stack';
import { item, items } from './items';

interface Case {
  input: string;
  safe: boolean;
  expected?: string;
}
/** The example app's defaultReturnTo. */
const LOGIN_DEFAULT = '/profile';
const cases: Case[] = [
  ...(corpusJson as Case[]),
  { input: `/${'a'.repeat(2047)}`, safe: true },
  { input: `/${'a'.repeat(2048)}`, safe: false },
  { input: `/${'a'.repeat(5000)}`, safe: false },
  { input: `//${'evil.com/'.repeat(300)}`, safe: false },
];

let t: Target;

beforeAll(async () => {
  t = await startTarget();
});

afterAll(async () => {
  await t?.stop();
});

/** Runs `fn` over `list` with at most `n` in flight. */
async function pool<T>(list: readonly T[], n: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < list.length) {
        const i = next++;
        await fn(list[i]!, i);
      }
    }),
  );
}

/**
 * Runs successful logins over `list`: even cases as demo, odd ones as second, at most 4 in flight per
 * account (bffkit reserves an attempt before asking the backend, so 6 parallel logins of one account
 * would be rate limited even with the right password).
 */
async function loginPool<T>(list: readonly T[], fn: (x: T, user: typeof DEMO | typeof SECOND) => Promise<void>): Promise<void> {
  const split = (parity: number) => list.filter((_, i) => i % 2 === parity);
  await Promise.all([pool(split(0), 4, (x) => fn(x, DEMO)), pool(split(1), 4, (x) => fn(x, SECOND))]);
}

/** What the server receives after form encoding (URLSearchParams) and decoding. */
const throughForm = (s: string) => new URLSearchParams(new URLSearchParams({ r: s }).toString()).get('r')!;

/** A path that is safe on its own: one leading '/', no '//' or '/\', stays on the origin. */
function expectSafePath(path: string, origin: string, what: string): void {
  expect(path.startsWith('/'), `${what}: ${path.slice(0, 80)}`).toBe(true);
  expect(/^\/[/\\]/.test(path), `${what}: ${path.slice(0, 80)}`).toBe(false);
  expect(new URL(path, origin).origin, what).toBe(origin);
  expect(isSafeReturnTo(path), `${what}: ${path.slice(0, 80)}`).toBe(true);
}

/** The Location of a redirect, resolved: absolute ones must be on the app origin. */
function location(r: Reply, origin: string, what: string): URL {
  expect([302, 303, 307, 308], `${what}: status ${r.status} ${r.body.slice(0, 200)}`).toContain(r.status);
  const loc = r.headers.location!;
  expect(typeof loc, what).toBe('string');
  if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) expect(new URL(loc).origin, `${what}: ${loc.slice(0, 80)}`).toBe(origin);
  else expect(/^\/(?![/\\])/.test(loc), `${what}: ${loc.slice(0, 80)}`).toBe(true);
  return new URL(loc, origin);
}

const label = (c: Case) => JSON.stringify(c.input).slice(0, 60);

describe(item(17), () => {
  it(`has at least 300 cases to run (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    expect(cases.filter((c) => !c.safe).length).toBeGreaterThanOrEqual(150);
  });

  it('JSON login answers exactly the validated redirectTo for every case, unsafe ones as the default', async () => {
    const origin = t.client.origin;
    await loginPool(cases, async (c, user) => {
      const r = await t.client.json('/api/auth/login', { email: user.email, password: user.password, returnTo: c.input });
      expect(r.status, label(c)).toBe(200);
      const { redirectTo } = r.json<{ redirectTo: string }>();
      expect(redirectTo, label(c)).toBe(c.safe ? (c.expected ?? c.input) : LOGIN_DEFAULT);
      expectSafePath(redirectTo, origin, label(c));
    });
  });

  it('the no-JS login form 303s to the app origin and the validated path (success)', async () => {
    const origin = t.client.origin;
    await loginPool(cases, async (c, user) => {
      const r = await t.client.form('/api/auth/login', { email: user.email, password: user.password, returnTo: c.input });
      expect(r.status, label(c)).toBe(303);
      const loc = new URL(r.headers.location!);
      expect(loc.origin, label(c)).toBe(origin);
      expect(loc.pathname + loc.search + loc.hash, label(c)).toBe(safeReturnTo(throughForm(c.input), LOGIN_DEFAULT));
      expectSafePath(loc.pathname + loc.search + loc.hash, origin, label(c));
    });
  });

  it('the no-JS login form failure 303s to the login page, carrying only a safe returnTo', async () => {
    const origin = t.client.origin;
    await pool(cases, 8, async (c, i) => {
      const r = await t.client.form('/api/auth/login', { email: `nobody-${i}@example.com`, password: 'wrong', returnTo: c.input });
      const loc = location(r, origin, label(c));
      expect(loc.pathname).toBe('/login');
      expect(loc.searchParams.get('error')).toBe('login_failed');
      const carried = loc.searchParams.get('returnTo');
      if (carried !== null) expectSafePath(carried, origin, label(c));
      if (c.safe && carried !== null) expect(carried, label(c)).toBe(safeReturnTo(throughForm(c.input)));
    });
  });

  it('proxy.ts sends anonymous page requests to /login with a safe returnTo (payload in the query)', async () => {
    const origin = t.client.origin;
    await pool(cases, 8, async (c) => {
      const r = await t.client.get(`/profile?next=${encodeURIComponent(c.input)}`);
      const loc = location(r, origin, label(c));
      expect(loc.pathname).toBe('/login');
      const returnTo = loc.searchParams.get('returnTo')!;
      expectSafePath(returnTo, origin, label(c));
      expect(returnTo.startsWith('/profile'), label(c)).toBe(true);
    });
  });

  it('requests whose raw path is the payload never redirect off the app (proxy.ts and Next routing)', async () => {
    const origin = t.client.origin;
    const raw = cases.filter((c) => /^\/[\x21-\x7e]*$/.test(c.input) && c.input.length < 3000);
    expect(raw.length).toBeGreaterThan(150);
    await pool(raw, 8, async (c) => {
      for (const path of [c.input, `/profile${c.input}`, `/notes/..${c.input}`]) {
        const r = await t.client.get(path);
        expect(r.status, path.slice(0, 80)).not.toBe(500);
        if (r.status >= 300 && r.status < 400) {
          const loc = location(r, origin, path.slice(0, 80));
          const returnTo = loc.searchParams.get('returnTo');
          if (loc.pathname === '/login' && returnTo !== null) expectSafePath(returnTo, origin, path.slice(0, 80));
        }
      }
    });
  });

  it('the logout form 303s to the app origin and the validated path', async () => {
    const origin = t.client.origin;
    await pool(cases, 8, async (c) => {
      const r = await t.client.form('/api/auth/logout', { returnTo: c.input });
      expect(r.status, label(c)).toBe(303);
      const loc = new URL(r.headers.location!);
      expect(loc.origin, label(c)).toBe(origin);
      expect(loc.pathname + loc.search + loc.hash, label(c)).toBe(safeReturnTo(throughForm(c.input), '/'));
    });
  });

  it('the login page echoes returnTo into its form escaped, never as markup', async () => {
    const marked = cases.filter((c) => /[<>"']/.test(c.input));
    for (const c of [...marked, { input: '"><script>alert(1)</script>', safe: false }, { input: "'><img src=x onerror=alert(1)>", safe: false }]) {
      const r = await t.client.get(`/login?returnTo=${encodeURIComponent(c.input)}`);
      expect(r.status, label(c)).toBe(200);
      expect(r.body.includes(c.input), label(c)).toBe(false);
    }
  });

  it('a real browser signing in from /login?returnTo=<attack> always lands on the app', async () => {
    const attacks = [
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/%09/evil.example',
      '/%2F/evil.example',
      'https://evil.example',
      'javascript:alert(document.domain)',
      'data:text/html,<script>alert(1)</script>',
      '/..//evil.example',
      ' //evil.example',
    ];
    const browser = await launchBrowser();
    try {
      for (const javaScriptEnabled of [true, false]) {
        for (const attack of attacks) {
          const context = await browser.newContext({ javaScriptEnabled });
          const page = await context.newPage();
          let dialog = false;
          page.on('dialog', (d) => {
            dialog = true;
            void d.dismiss();
          });
          await page.goto(`${t.client.origin}/login?returnTo=${encodeURIComponent(attack)}`);
          await page.locator('form[data-testid=login-form] input[name=email]').fill(DEMO.email);
          await page.locator('form[data-testid=login-form] input[name=password]').fill(DEMO.password);
          await page.locator('form[data-testid=login-form] button[type=submit]').click();
          await page.waitForURL((u) => u.pathname !== '/login', { timeout: 15_000 });
          await page.waitForTimeout(300);
          expect(new URL(page.url()).origin, `${attack} (js ${javaScriptEnabled})`).toBe(t.client.origin);
          expect(dialog, attack).toBe(false);
          await context.close();
        }
      }
    } finally {
      await browser.close();
    }
  }, 120_000);
});

describe(`server health (${items(17, 17)})`, () => {
  it('no request answered 500 and the app logged no unhandled error', () => {
    expectHealthy(t);
  });
});
