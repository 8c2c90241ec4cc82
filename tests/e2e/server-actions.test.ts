/**
 * Server Actions calling the backend, in Chromium, against the example with Cache Components on
 * (app/cached: `countMyNotes` returns `bff.callBackend()`'s value). Once the session has ended, the
 * caller gets `{ ok: false, code: 'session_expired' }`: proxy.ts, which ends the session on that very
 * POST (the refresh token was revoked), lets the action through instead of answering a 307 that the
 * client cannot read ("An unexpected response was received from the server").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { expectText, signInWithLoginForm, waitForPath, withPage } from '../support/pages';
import { startStack, type Stack } from '../support/stack';

const TTL = 3;
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stack: Stack;
let browser: TestBrowser;
const url = (path: string) => stack.app.url + path;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ accessTokenTtl: TTL }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('a Server Action that calls the backend', () => {
  it('answers its typed result, and session_expired (not a redirect, not a client error) once the session has ended', async () => {
    await withPage(browser, {}, async (page) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      // The page's clock runs with real time until it is paused below.
      await page.clock.install();
      await page.goto(url('/login?returnTo=%2Fcached'));
      await signInWithLoginForm(page, DEMO);
      await waitForPath(page, '/cached');
      await page.getByTestId('count-notes').click();
      await expectText(page, 'count-result').toMatch(/^\d+ notes$/);

      // The refresh token is revoked and the access token falls due: the next POST ends the session.
      // The page's clock stands still meanwhile, so SessionProvider's own renewal (stateless mode,
      // docs/multi-instance.md), which would find the revoked token first, does not run before the click.
      await page.clock.pauseAt(Date.now() + 100);
      await stack.backend.revoke(DEMO.email);
      await sleep((TTL + 1.5) * 1000);
      const action = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().headers()['next-action'] !== undefined);
      await page.getByTestId('count-notes').click();
      const response = await action;
      expect(response.status()).toBe(200);
      await expectText(page, 'count-result').toBe('session_expired: Your session has ended. Sign in again.');
      expect(new URL(page.url()).pathname).toBe('/cached');
      // Without a shared refresh coordinator the action leaves the cookie (another instance's answer may
      // have replaced it); the browser's renewal, once the page's time moves again, clears it.
      await page.clock.resume();
      await expect.poll(async () => (await page.context().cookies(url('/'))).filter((c) => c.name.startsWith('bffkit')).length, { timeout: 10_000 }).toBe(0);
      expect(errors.filter((e) => /unexpected response/i.test(e))).toEqual([]);
    });
  });
});
