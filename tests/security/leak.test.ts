/**
 * docs/security.md 2 in a real browser: sign in (with and without JavaScript), browse every page, let the
 * access token expire and refresh mid-visit, create a note, then search everything the browser ever
 * received or can read — response bodies (HTML, RSC flight payloads, JS chunks, JSON), response and
 * request headers, URLs, document.cookie, localStorage, sessionStorage, the DOM — for every token
 * the server ever held for this user (unsealed from each Set-Cookie with the test secret).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { clientVisibleState, launchBrowser, recordResponses, type RecordedResponse, type TestBrowser } from '../support/browser';
import { COOKIE, DEMO, openSession, tokensOf } from './lib/session';
import { expectHealthy, startTarget, type Target } from './lib/stack';
import { item, items } from './items';

const TTL = 6;
const WAIT = 15_000;
let t: Target;
let browser: TestBrowser;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTarget({ accessTokenTtl: TTL }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** Every sealed session value any response set (re-assembling chunks), and the context's current one. */
async function sealedValues(responses: RecordedResponse[], context: BrowserContext): Promise<string[]> {
  const out = new Set<string>();
  const assemble = (pairs: Map<string, string>) => {
    if (pairs.get(COOKIE)) return pairs.get(COOKIE)!;
    const parts: string[] = [];
    for (let i = 0; pairs.get(`${COOKIE}.${i}`); i++) parts.push(pairs.get(`${COOKIE}.${i}`)!);
    return parts.join('');
  };
  for (const r of responses) {
    const header = r.headers['set-cookie'];
    if (!header) continue;
    const pairs = new Map<string, string>();
    for (const line of header.split('\n')) {
      const pair = line.split(';')[0]!;
      pairs.set(pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim());
    }
    const v = assemble(pairs);
    if (v) out.add(v);
  }
  const current = assemble(new Map((await context.cookies(t.app.url)).map((c) => [c.name, c.value])));
  if (current) out.add(current);
  return [...out];
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${t.app.url}/profile`);
  await page.waitForURL((u) => u.pathname === '/login', { timeout: WAIT });
  await page.locator('form[data-testid=login-form] input[name=email]').fill(DEMO.email);
  await page.locator('form[data-testid=login-form] input[name=password]').fill(DEMO.password);
  await page.locator('form[data-testid=login-form] button[type=submit]').click();
  await page.waitForURL((u) => u.pathname === '/profile', { timeout: WAIT });
  await page.getByTestId('profile-email').waitFor({ timeout: WAIT });
}

/** Browses the app, waits for the token to expire, browses again. */
async function browse(page: Page, js: boolean): Promise<void> {
  for (const path of ['/', '/notes', '/sessions', '/profile']) {
    if (js) await page.getByRole('link', { name: linkName(path), exact: true }).first().click();
    else await page.goto(`${t.app.url}${path}`);
    await page.waitForURL((u) => u.pathname === path, { timeout: WAIT });
  }
  if (js) {
    await page.getByRole('link', { name: 'Notes', exact: true }).first().click();
    await page.waitForURL((u) => u.pathname === '/notes', { timeout: WAIT });
    await page.getByTestId('note-title-input').fill('leak scan');
    await page.getByTestId('note-body-input').fill('body');
    await page.getByTestId('note-create').click();
    await page.getByTestId('note-item').first().waitFor({ timeout: WAIT });
  }
  await page.waitForTimeout((TTL - 1) * 1000 + 600); // the access token is now due (1 s before expiry without a shared coordinator): the next request refreshes
  await page.goto(`${t.app.url}/profile`);
  await page.getByTestId('profile-email').waitFor({ timeout: WAIT });
  await page.goto(`${t.app.url}/notes`);
  if (js) {
    await page.getByTestId('note-item').first().waitFor({ timeout: WAIT });
    await page.evaluate(async () => {
      await fetch('/api/auth/session');
      await fetch('/api/backend/auth/me', { headers: { 'x-csrf': '1' } });
    });
  }
}

const linkName = (path: string) => ({ '/': 'Home', '/notes': 'Notes', '/sessions': 'Sessions', '/profile': 'Profile' })[path]!;

describe(item(2), () => {
  it.each([true, false])('JavaScript %s: no token in any response, header, URL, cookie jar script view, storage or the DOM', async (js) => {
    const context = await browser.newContext({ javaScriptEnabled: js });
    context.setDefaultTimeout(WAIT);
    try {
      const recorder = recordResponses(context);
      const page = await context.newPage();
      await signIn(page);
      await browse(page, js);
      const state = await clientVisibleState(page);
      // A body that never ends (an aborted RSC prefetch) would keep settle() waiting: take what has
      // been read after a grace period; a body nobody finished reading never reached a script either.
      await Promise.race([recorder.settle(), page.waitForTimeout(5_000)]);
      const responses = [...recorder.entries];
      recorder.stop();

      const sealed = await sealedValues(responses, context);
      const sessions = sealed.map((v) => openSession(v)).filter((s) => s !== null);
      expect(sessions.length, 'the cookies open with the test secret').toBeGreaterThan(0);
      const accessTokens = new Set(sessions.map((s) => s.tokens.accessToken));
      expect(accessTokens.size, 'a refresh happened during the visit, so refreshed tokens are scanned too').toBeGreaterThanOrEqual(2);

      const needles = new Map<string, string>();
      for (const s of sessions) {
        for (const token of tokensOf(s)) {
          needles.set(token, 'a token');
          const parts = token.split('.');
          // JWT payload and signature: either alone is a leak. (The header is the same for every token.)
          if (parts.length === 3) for (const p of parts.slice(1)) if (p.length >= 16) needles.set(p, 'part of a JWT');
        }
      }
      const sealedNeedles = new Map(sealed.map((v) => [v, 'the sealed session'] as const));
      const leaks: string[] = [];
      const scan = (where: string, text: string, extra: Map<string, string> = new Map()) => {
        for (const [needle, what] of [...needles, ...extra]) if (text.includes(needle)) leaks.push(`${what} in ${where}`);
      };
      for (const r of responses) {
        const id = `${r.method} ${r.url} (${r.status}, ${r.contentType || '-'})`;
        scan(`URL of ${id}`, r.url, sealedNeedles);
        scan(`body of ${id}`, r.body, sealedNeedles);
        for (const [name, value] of Object.entries(r.headers)) scan(`response header ${name} of ${id}`, value, name === 'set-cookie' ? new Map() : sealedNeedles);
        for (const [name, value] of Object.entries(r.requestHeaders)) scan(`request header ${name} of ${id}`, value, name === 'cookie' ? new Map() : sealedNeedles);
      }
      expect(state.documentCookie).not.toContain(COOKIE);
      scan('document.cookie', state.documentCookie, sealedNeedles);
      scan('localStorage', JSON.stringify(state.localStorage), sealedNeedles);
      scan('sessionStorage', JSON.stringify(state.sessionStorage), sealedNeedles);
      scan('the DOM', state.html, sealedNeedles);
      scan('the server log', t.app.output(), sealedNeedles);
      expect(responses.some((r) => r.contentType.includes('text/html'))).toBe(true);
      if (js) {
        expect(responses.some((r) => r.contentType.includes('text/x-component')), 'RSC payloads were scanned').toBe(true);
        expect(responses.some((r) => r.contentType.includes('javascript')), 'JS chunks were scanned').toBe(true);
        expect(responses.some((r) => r.url.includes('/api/backend/')), 'forwarded API answers were scanned').toBe(true);
      }
      expect(leaks).toEqual([]);
      for (const c of await context.cookies(t.app.url)) {
        if (c.name === COOKIE || c.name.startsWith(`${COOKIE}.`)) expect(c.httpOnly, c.name).toBe(true);
      }
    } finally {
      await context.close();
    }
  }, 90_000);
});

describe(`server health (${items(2, 2)})`, () => {
  it('no request answered 500 and the app logged no unhandled error', () => {
    expectHealthy(t);
  });
});
