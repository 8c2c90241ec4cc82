/**
 * Browser tests for sign-in and sign-out (issue 2), with and without JavaScript, plus the token-leak
 * scan of docs/security.md 2: no access or refresh token ever reaches the browser.
 *
 * One backend + app per file; every test uses a fresh browser context (own cookies and storage).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Cookie, Page } from 'playwright-core';
import { clientVisibleState, launchBrowser, recordResponses, type RecordedResponse, type TestBrowser } from '../support/browser';
import { parseSetCookie } from '../support/http';
import { expectText, fillLoginForm, submitLoginForm, textOf, waitForPath, withPage } from '../support/pages';
import { readSessionCookie } from '../support/session-cookie';
import { startStack, type Stack } from '../support/stack';

/** Session cookie name on plain-http localhost (contract: no Secure, no __Host- prefix). */
const SESSION_COOKIE = 'bffkit';
const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };

let stack: Stack;
let browser: TestBrowser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const url = (path: string) => `${stack.app.url}${path}`;

/** The session cookies of the context (plain or chunked `bffkit.N`). */
async function sessionCookies(context: BrowserContext): Promise<Cookie[]> {
  const all = await context.cookies(stack.app.url);
  return all.filter((c) => c.name === SESSION_COOKIE || c.name.startsWith(`${SESSION_COOKIE}.`));
}

/** Re-assembles a (possibly chunked) sealed value from name → value pairs. */
function assemble(values: Map<string, string>): string | null {
  const plain = values.get(SESSION_COOKIE);
  if (plain) return plain;
  const chunks = [...values]
    .map(([name, value]) => ({ index: Number(name.slice(SESSION_COOKIE.length + 1)), value }))
    .filter((c) => Number.isInteger(c.index))
    .sort((a, b) => a.index - b.index);
  return chunks.length > 0 ? chunks.map((c) => c.value).join('') : null;
}

/** Tokens inside a sealed session value, decrypted with the test secret by the library's own codec. */
function tokensIn(sealed: string): string[] {
  const session = readSessionCookie(sealed);
  if (!session) return [];
  const { accessToken, refreshToken, idToken } = session.tokens;
  return [accessToken, refreshToken, idToken].filter((t): t is string => typeof t === 'string' && t.length > 0);
}

/** Sealed session values set by any recorded response (every login/refresh). */
function sealedValuesSetBy(responses: RecordedResponse[]): string[] {
  const out: string[] = [];
  for (const r of responses) {
    const header = r.headers['set-cookie'];
    if (!header) continue;
    const values = new Map<string, string>();
    for (const line of header.split('\n')) {
      const c = parseSetCookie(line);
      if (c.name === SESSION_COOKIE || c.name.startsWith(`${SESSION_COOKIE}.`)) {
        if (c.value) values.set(c.name, c.value);
      }
    }
    const sealed = assemble(values);
    if (sealed) out.push(sealed);
  }
  return out;
}

/** Logs in through the form with JavaScript on, starting at /profile. */
async function signInWithJs(page: Page): Promise<void> {
  await page.goto(url('/profile'));
  await waitForPath(page, '/login');
  await fillLoginForm(page, DEMO.email, DEMO.password);
  await submitLoginForm(page);
  await waitForPath(page, '/profile');
  await expectText(page, 'profile-email').toBe(DEMO.email);
}

describe('sign-in with JavaScript', () => {
  it('redirects /profile to the login page, signs in, keeps the session on reload and signs out', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page, context) => {
      await page.goto(url('/profile'));
      const login = await waitForPath(page, '/login');
      expect(login.search).toBe('?returnTo=%2Fprofile');
      await expectText(page, 'session-status').toBe('Not signed in');

      await fillLoginForm(page, DEMO.email, DEMO.password);
      await submitLoginForm(page);
      await waitForPath(page, '/profile');
      await expectText(page, 'profile-email').toBe(DEMO.email);
      await expectText(page, 'profile-name').toBe(DEMO.name);
      expect(await textOf(page, 'profile-id')).not.toBe('');
      await expectText(page, 'session-status').toBe(`Signed in as ${DEMO.name}`);

      await page.reload();
      await expectText(page, 'profile-email').toBe(DEMO.email);
      await expectText(page, 'session-status').toBe(`Signed in as ${DEMO.name}`);

      const cookies = await sessionCookies(context);
      expect(cookies.map((c) => c.name)).toContain(SESSION_COOKIE);
      for (const c of cookies) {
        expect(c.httpOnly, `${c.name} is HttpOnly`).toBe(true);
        expect(c.path).toBe('/');
        expect(c.sameSite).toMatch(/^(Lax|Strict)$/);
      }
      const documentCookie = await page.evaluate(() => document.cookie);
      expect(documentCookie).not.toContain(SESSION_COOKIE);
      for (const c of cookies) expect(documentCookie).not.toContain(c.value);

      await page.getByTestId('sign-out').click();
      await waitForPath(page, '/login');
      await expectText(page, 'session-status').toBe('Not signed in');
      expect(await sessionCookies(context)).toEqual([]);

      await page.goto(url('/profile'));
      expect((await waitForPath(page, '/login')).search).toBe('?returnTo=%2Fprofile');
      const session = await page.evaluate(async () => {
        const res = await fetch('/api/auth/session', { credentials: 'same-origin' });
        return { status: res.status, body: (await res.json()) as { status?: string } };
      });
      expect(session).toEqual({ status: 200, body: { status: 'unauthenticated' } });
    });
  });

  it('shows the generic error for a wrong password and stays signed out', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page, context) => {
      await page.goto(url('/login'));
      await fillLoginForm(page, DEMO.email, 'wrong-password');
      await submitLoginForm(page);
      await expectText(page, 'login-error').toBe('Invalid email or password.');
      expect(new URL(page.url()).pathname).toBe('/login');
      await expectText(page, 'session-status').toBe('Not signed in');
      expect(await sessionCookies(context)).toEqual([]);
    });
  });
});

describe('sign-in without JavaScript', () => {
  it('signs in with a plain form POST (303 to /profile) and signs out with the sign-out form', async () => {
    await withPage(browser, { javaScriptEnabled: false }, async (page, context) => {
      await page.goto(url('/profile'));
      expect((await waitForPath(page, '/login')).search).toBe('?returnTo=%2Fprofile');

      await fillLoginForm(page, DEMO.email, DEMO.password);
      const loginResponse = page.waitForResponse(
        (r) => new URL(r.url()).pathname === '/api/auth/login' && r.request().method() === 'POST',
      );
      await submitLoginForm(page);
      const res = await loginResponse;
      expect(res.status()).toBe(303);
      expect(new URL(res.headers().location ?? '', stack.app.url).pathname).toBe('/profile');
      await waitForPath(page, '/profile');
      await expectText(page, 'profile-email').toBe(DEMO.email);
      await expectText(page, 'session-status').toBe(`Signed in as ${DEMO.name}`);
      expect((await sessionCookies(context)).map((c) => c.name)).toContain(SESSION_COOKIE);

      const logoutResponse = page.waitForResponse(
        (r) => new URL(r.url()).pathname === '/api/auth/logout' && r.request().method() === 'POST',
      );
      await page.getByTestId('sign-out').click();
      const out = await logoutResponse;
      expect(out.status()).toBe(303);
      await waitForPath(page, '/');
      await expectText(page, 'session-status').toBe('Not signed in');
      expect(await sessionCookies(context)).toEqual([]);

      await page.goto(url('/profile'));
      await waitForPath(page, '/login');
      // /login renders per request (with Cache Components too): the status is in the HTML, visible
      // without JavaScript. On a page with a static shell it would be streamed, hidden until a script runs.
      expect(await page.getByTestId('session-status').isVisible()).toBe(true);
      await expectText(page, 'session-status').toBe('Not signed in');
    });
  });

  it('shows the generic error for a wrong password', async () => {
    await withPage(browser, { javaScriptEnabled: false }, async (page, context) => {
      await page.goto(url('/login?returnTo=%2Fprofile'));
      await fillLoginForm(page, DEMO.email, 'wrong-password');
      await submitLoginForm(page);
      const landed = await waitForPath(page, '/login');
      expect(landed.searchParams.get('error')).toBe('login_failed');
      expect(landed.searchParams.get('returnTo')).toBe('/profile');
      await expectText(page, 'login-error').toBe('Invalid email or password.');
      await expectText(page, 'session-status').toBe('Not signed in');
      expect(await sessionCookies(context)).toEqual([]);
    });
  });
});

describe('token leak scan (docs/security.md 2)', () => {
  it('never exposes the access or refresh token to the browser', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page, context) => {
      const recorder = recordResponses(context);
      await signInWithJs(page);

      // Client-side navigations fetch RSC/flight payloads; walk every page through the header links.
      for (const [link, path] of [
        ['Home', '/'],
        ['Notes', '/notes'],
        ['Profile', '/profile'],
      ] as const) {
        await page.getByRole('link', { name: link, exact: true }).first().click();
        await waitForPath(page, path);
      }
      await expectText(page, 'profile-email').toBe(DEMO.email);
      await page.reload();
      await expectText(page, 'profile-email').toBe(DEMO.email);
      const sessionJson = await page.evaluate(async () => (await fetch('/api/auth/session')).text());
      expect(sessionJson).toContain('"authenticated"');

      const state = await clientVisibleState(page);
      const responses = await recorder.settle();
      recorder.stop();

      const current = assemble(new Map((await sessionCookies(context)).map((c) => [c.name, c.value])));
      expect(current, 'a session cookie is set').toBeTruthy();
      const setByResponses = sealedValuesSetBy(responses);
      expect(setByResponses.length, 'the login response set the session cookie').toBeGreaterThan(0);
      const sealedValues = [...new Set([current!, ...setByResponses])];
      const tokens = [...new Set(sealedValues.flatMap(tokensIn))];
      // Guards against a vacuous scan: we hold the real access and refresh tokens.
      expect(tokens.length, 'the session cookie unseals with TEST_SECRET to an access and a refresh token').toBeGreaterThanOrEqual(2);
      const currentTokens = tokensIn(current!);
      const me = await fetch(`${stack.backend.url}/auth/me`, { headers: { authorization: `Bearer ${currentTokens[0]}` } });
      expect(me.status, 'the unsealed access token is accepted by the backend').toBe(200);

      const needles = new Map<string, string>();
      for (const token of tokens) {
        needles.set(token, 'a token');
        const parts = token.split('.');
        if (parts.length === 3 && parts[2]!.length >= 16) needles.set(parts[2]!, 'a JWT signature');
      }

      const leaks: string[] = [];
      const scan = (where: string, haystack: string, extra: Map<string, string> = new Map()) => {
        for (const [needle, what] of [...needles, ...extra]) {
          if (haystack.includes(needle)) leaks.push(`${what} in ${where}`);
        }
      };
      const sealedNeedles = new Map(sealedValues.map((v) => [v, 'the sealed session cookie'] as const));
      for (const r of responses) {
        const id = `${r.method} ${r.url} (${r.status}, ${r.contentType || 'no content-type'})`;
        scan(`the URL of ${id}`, r.url, sealedNeedles);
        scan(`the body of ${id}`, r.body, sealedNeedles);
        for (const [name, value] of Object.entries(r.headers)) {
          // Set-Cookie legitimately carries the sealed value; tokens must still never appear there.
          scan(`response header ${name} of ${id}`, value, name === 'set-cookie' ? new Map() : sealedNeedles);
        }
        for (const [name, value] of Object.entries(r.requestHeaders)) {
          // The browser sends the sealed cookie back in Cookie; tokens must never be in a request header.
          scan(`request header ${name} of ${id}`, value);
        }
      }
      scan('document.cookie', state.documentCookie, sealedNeedles);
      scan('localStorage', JSON.stringify(state.localStorage), sealedNeedles);
      scan('sessionStorage', JSON.stringify(state.sessionStorage), sealedNeedles);
      scan('the page HTML', state.html, sealedNeedles);
      scan('GET /api/auth/session', sessionJson, sealedNeedles);

      expect(responses.length).toBeGreaterThan(5);
      expect(responses.some((r) => r.contentType.includes('text/x-component')), 'RSC payloads were scanned').toBe(true);
      expect(responses.some((r) => r.contentType.includes('javascript')), 'JS chunks were scanned').toBe(true);
      expect(leaks).toEqual([]);
    });
  });
});

describe('server health', () => {
  it('the app logged no unhandled errors while the tests ran', () => {
    const output = stack.app.output();
    const bad = output
      .split('\n')
      .filter((line) => /⨯|unhandled|uncaught|TypeError|ReferenceError|SyntaxError|internal_error/i.test(line));
    expect(bad, `app output:\n${output}`).toEqual([]);
  });
});
