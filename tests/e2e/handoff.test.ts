/**
 * Browser test of the token handoff page (issue 8): the page signs in at the backend directly (CORS),
 * hands the tokens to the app, and afterwards no token is reachable from JavaScript: not in storage,
 * not in `document.cookie`, not in any global, the history state, the RSC payload or the DOM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startApp, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { clientVisibleState, launchBrowser, recordResponses, type TestBrowser } from '../support/browser';
import { WAIT_MS, textOf, withPage } from '../support/pages';
import { freePort } from '../support/ports';

const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };

let backend: RunningBackend;
let app: AppProcess;
let browser: TestBrowser;

beforeAll(async () => {
  const appPort = await freePort();
  const [b, tb] = await Promise.all([startBackend({ env: { CORS_ORIGIN: `http://localhost:${appPort}` } }), launchBrowser()]);
  backend = b;
  browser = tb;
  app = await startApp({ backendUrl: backend.url, port: appPort, env: { BFF_HANDOFF: '1' } });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await backend?.stop();
});

async function signInViaHandoff(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${app.url}/handoff`);
  const submit = page.getByTestId('handoff-submit');
  await expect.poll(() => submit.isEnabled(), { timeout: WAIT_MS }).toBe(true);
  await page.locator('#handoff-email').fill(email);
  await page.locator('#handoff-password').fill(password);
  await submit.click();
}

/**
 * Every place page scripts could find a string: all globals (walked a few levels deep), history.state,
 * Next's flight data, storage, cookies, form values, IndexedDB and Cache Storage names, resource URLs.
 * Answers the places where any of `secrets` was found.
 */
function findInPage(page: Page, secrets: string[]): Promise<string[]> {
  return page.evaluate(async (needles) => {
    const found = new Set<string>();
    const check = (where: string, value: unknown) => {
      if (typeof value === 'string' && needles.some((n) => value.includes(n))) found.add(where);
    };
    const seen = new WeakSet<object>();
    const walk = (where: string, value: unknown, depth: number) => {
      check(where, value);
      if (depth > 4 || value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
      if (seen.has(value as object) || value instanceof Node) return;
      seen.add(value as object);
      let keys: string[] = [];
      try {
        keys = Object.getOwnPropertyNames(value);
      } catch {
        return;
      }
      for (const key of keys.slice(0, 500)) {
        let child: unknown;
        try {
          child = (value as Record<string, unknown>)[key];
        } catch {
          continue;
        }
        walk(`${where}.${key}`, child, depth + 1);
      }
    };
    for (const key of Object.getOwnPropertyNames(window)) {
      let value: unknown;
      try {
        value = (window as unknown as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      walk(`window.${key}`, value, 0);
    }
    check('history.state', JSON.stringify(history.state ?? null));
    check('self.__next_f', JSON.stringify((self as unknown as { __next_f?: unknown }).__next_f ?? null));
    check('document.cookie', document.cookie);
    check('document.documentElement.outerHTML', document.documentElement.outerHTML);
    for (const input of Array.from(document.querySelectorAll('input, textarea'))) check('form field', (input as HTMLInputElement).value);
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) check('storage', `${storage.key(i)}=${storage.getItem(storage.key(i) ?? '')}`);
    }
    check('indexedDB', JSON.stringify(await indexedDB.databases()));
    if ('caches' in self) check('caches', JSON.stringify(await caches.keys()));
    check('performance entries', JSON.stringify(performance.getEntries().map((e) => e.name)));
    check('location', location.href);
    return [...found];
  }, secrets);
}

describe('the /handoff page', () => {
  it('signs in at the backend, hands the tokens over, and leaves no token reachable from JavaScript', async () => {
    await withPage(browser, {}, async (page, context) => {
      const recorder = recordResponses(context);
      await signInViaHandoff(page, DEMO.email, DEMO.password);
      await page.waitForURL((u) => u.pathname === '/profile', { timeout: WAIT_MS });
      await expect.poll(() => textOf(page, 'profile-email'), { timeout: WAIT_MS }).toBe(DEMO.email);
      await expect.poll(() => textOf(page, 'session-status'), { timeout: WAIT_MS }).toBe(`Signed in as ${DEMO.name}`);

      const responses = await recorder.settle();
      recorder.stop();
      // The one response that carried the tokens to the browser: the backend's own login answer.
      const login = responses.find((r) => r.url === `${backend.url}/auth/login` && r.method === 'POST');
      expect(login?.status).toBe(200);
      const { access_token: access, refresh_token: refresh } = JSON.parse(login!.body) as Record<string, string>;
      expect(access).toMatch(/^ey/);
      expect(refresh?.length).toBeGreaterThan(20);
      const secrets = [access!, refresh!];

      // The handoff answer and every other response from the app: no token.
      const handoff = responses.find((r) => r.url === `${app.url}/api/auth/handoff`);
      expect(handoff?.status).toBe(200);
      for (const r of responses.filter((x) => x.url.startsWith(app.url))) {
        for (const s of secrets) {
          expect(r.body, r.url).not.toContain(s);
          expect(JSON.stringify(r.headers), r.url).not.toContain(s);
        }
      }

      // The session cookie is httpOnly, so page scripts cannot read it.
      const cookies = await context.cookies(app.url);
      const session = cookies.find((c) => c.name === 'bffkit');
      expect(session?.httpOnly).toBe(true);

      const state = await clientVisibleState(page);
      for (const s of secrets) {
        expect(state.documentCookie).not.toContain(s);
        expect(JSON.stringify(state.localStorage)).not.toContain(s);
        expect(JSON.stringify(state.sessionStorage)).not.toContain(s);
        expect(state.html).not.toContain(s);
      }
      expect(state.documentCookie).not.toContain('bffkit');
      expect(await findInPage(page, secrets)).toEqual([]);

      // The next page load still shows the profile, read on the server with the kept token.
      await page.reload();
      await expect.poll(() => textOf(page, 'profile-email'), { timeout: WAIT_MS }).toBe(DEMO.email);
      expect(await findInPage(page, secrets)).toEqual([]);

      // The scan itself works: a token planted where a careless page might keep it is found.
      await page.evaluate((token) => {
        (window as unknown as { __handoffProbe: unknown }).__handoffProbe = { result: { tokens: [token] } };
        sessionStorage.setItem('probe', token);
      }, access!);
      expect(await findInPage(page, secrets)).toEqual(expect.arrayContaining(['window.__handoffProbe.result.tokens.0', 'storage']));
    });
  });

  it('shows an error and creates no session when the backend refuses the credentials', async () => {
    await withPage(browser, {}, async (page, context) => {
      await signInViaHandoff(page, DEMO.email, 'wrong-password');
      await expect.poll(() => textOf(page, 'handoff-error'), { timeout: WAIT_MS }).toBe('Invalid email or password.');
      expect(new URL(page.url()).pathname).toBe('/handoff');
      expect((await context.cookies(app.url)).filter((c) => c.name.startsWith('bffkit'))).toEqual([]);
      // The password field was cleared.
      expect(await page.locator('#handoff-password').inputValue()).toBe('');
    });
  });
});
