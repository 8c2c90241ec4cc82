/**
 * Issue 17 in a real browser: the audit events of the /sessions page's Server Actions ("End session",
 * "Sign out everywhere"), printed by the running app's sink, and the /diagnostics page behind its token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { expectNoSecrets, printedEvents, secretsOf, waitForEvent } from '../support/app-events';
import { startApp, TEST_SECRET, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { WAIT_MS, newTestContext, signInWithLoginForm } from '../support/pages';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const TOKEN = 'e2e-observability-diagnostics-token-0123456789';

let backend: RunningBackend;
let app: AppProcess;
let browser: TestBrowser;
const contexts: BrowserContext[] = [];
const cookieValues: string[] = [];

beforeAll(async () => {
  [backend, browser] = await Promise.all([startBackend(), launchBrowser()]);
  app = await startApp({ backendUrl: backend.url, env: { BFF_SESSION_STORE: 'memory', BFF_DIAGNOSTICS: '1', BFF_DIAGNOSTICS_TOKEN: TOKEN } });
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await app?.stop();
  await backend?.stop();
});

const url = (path: string) => `${app.url}${path}`;
const mark = () => printedEvents(app.output()).length;

async function signedInDevice(): Promise<Page> {
  const context = await newTestContext(browser, { javaScriptEnabled: true });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url('/login'));
  await signInWithLoginForm(page, DEMO);
  await page.waitForURL((u) => u.pathname === '/profile', { timeout: WAIT_MS });
  for (const c of await context.cookies()) cookieValues.push(c.value);
  return page;
}

describe('events of the session-management Server Actions', () => {
  it('"End session" on another browser: session.revoked by the user, naming that session', async () => {
    const laptop = await signedInDevice();
    const from = mark();
    const phone = await signedInDevice();
    const phoneLogin = await waitForEvent(app, (e) => e.type === 'login.succeeded', { after: from });
    await laptop.goto(url('/sessions'));
    await expect.poll(() => laptop.getByTestId('session-item').count(), { timeout: WAIT_MS }).toBe(2);
    await laptop.locator('[data-testid=session-item][data-current=false] [data-testid=end-session]').click();
    await expect.poll(() => laptop.getByTestId('session-item').count(), { timeout: WAIT_MS }).toBe(1);
    const revoked = await waitForEvent(app, (e) => e.type === 'session.revoked', { after: from });
    expect(revoked).toMatchObject({ by: 'user', count: 1, outcome: 'success', sessionIdHash: phoneLogin.sessionIdHash, userId: phoneLogin.userId });
    await phone.goto(url('/profile'));
    await phone.waitForURL((u) => u.pathname === '/login', { timeout: WAIT_MS });
    await waitForEvent(app, (e) => e.type === 'session.ended' && e.reason === 'revoked', { after: from });
  });

  it('"Sign out everywhere": sessions.signed_out_everywhere with the number of sessions ended', async () => {
    const laptop = await signedInDevice();
    await signedInDevice();
    await laptop.goto(url('/sessions'));
    await expect.poll(() => laptop.getByTestId('session-item').count(), { timeout: WAIT_MS }).toBeGreaterThanOrEqual(2);
    const from = mark();
    await laptop.getByTestId('sign-out-everywhere').click();
    await laptop.waitForURL((u) => u.pathname === '/login', { timeout: WAIT_MS });
    const event = await waitForEvent(app, (e) => e.type === 'sessions.signed_out_everywhere', { after: from });
    expect(event.ended as number).toBeGreaterThanOrEqual(2);
    expect(event.userAgent).toBeNull(); // a Server Action is a server-side call: no request to read it from
  });
});

describe('/diagnostics', () => {
  it('asks for the token, then shows the session (no token), recent events and upstreams', async () => {
    const page = await signedInDevice();
    await page.goto(url('/diagnostics'));
    await page.getByTestId('diagnostics-token').fill(TOKEN);
    await page.getByTestId('diagnostics-token-form').locator('button').click();
    await expect.poll(() => page.getByTestId('diagnostics-report').count(), { timeout: WAIT_MS }).toBe(1);
    const session = await page.getByTestId('diagnostics-session').innerText();
    expect(session).toContain('authenticated');
    expect(session).toContain('refreshDue');
    expect(await page.getByTestId('diagnostics-events').innerText()).toContain('login.succeeded');
    expect(await page.getByTestId('diagnostics-upstreams').innerText()).toMatch(/backend .*answers \(HTTP \d+/);
    const html = await page.content();
    expect(html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(html).not.toContain(TEST_SECRET);
  });

  it('says it is off when the endpoint is (the page holds no data of its own)', async () => {
    const off = await startApp({ backendUrl: backend.url, env: { BFF_EVENTS: 'off' } });
    try {
      const context = await newTestContext(browser, { javaScriptEnabled: true });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${off.url}/diagnostics`);
      await expect.poll(() => page.getByTestId('diagnostics-off').count(), { timeout: WAIT_MS }).toBe(1);
      expect(printedEvents(off.output())).toEqual([]);
    } finally {
      await off.stop();
    }
  });
});

describe('the events of this file', () => {
  it('hold no token, password, cookie value or secret', () => {
    expectNoSecrets(printedEvents(app.output()), secretsOf(cookieValues, [TEST_SECRET, TOKEN, DEMO.password]));
    expect(app.output()).not.toMatch(/unhandled|uncaught|events handler/i);
  });
});
