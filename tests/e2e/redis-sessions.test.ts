/**
 * Issue 7 in real browsers: the example app on the Redis store (BFF_SESSION_STORE=redis). Two
 * browser contexts are two devices of the same user; the /sessions page lists them, ends one, or
 * signs out everywhere through Server Actions (with and without JavaScript).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startApp, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { WAIT_MS, newTestContext, signInWithLoginForm } from '../support/pages';
import { startRedis, type RedisProcess } from '../support/redis-process';

const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };

let redisServer: RedisProcess;
let redis: Redis;
let backend: RunningBackend;
let app: AppProcess;
let browser: TestBrowser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [redisServer, backend, browser] = await Promise.all([startRedis(), startBackend(), launchBrowser()]);
  app = await startApp({ backendUrl: backend.url, env: { BFF_SESSION_STORE: 'redis', REDIS_URL: redisServer.url } });
  redis = new Redis(redisServer.url);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  redis?.disconnect();
  await app?.stop();
  await backend?.stop();
  await redisServer?.stop();
});

const url = (path: string) => `${app.url}${path}`;

/** A fresh browser (own cookies) signed in as the demo user through the login form. */
async function signedInDevice(javaScriptEnabled = true): Promise<Page> {
  const context = await newTestContext(browser, { javaScriptEnabled });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url('/login'));
  await signInWithLoginForm(page, DEMO);
  await page.waitForURL((u) => u.pathname === '/profile', { timeout: WAIT_MS });
  return page;
}

/** Whether the page's browser still has a live session (asked of the server, not the UI). */
async function signedIn(page: Page): Promise<boolean> {
  const res = await page.request.get(url('/api/auth/session'));
  return ((await res.json()) as { status: string }).status === 'authenticated';
}

async function expectSentToLogin(page: Page): Promise<void> {
  await page.goto(url('/profile'));
  await page.waitForURL((u) => u.pathname === '/login', { timeout: WAIT_MS });
  expect(await signedIn(page)).toBe(false);
}

async function liveSessionKeys(): Promise<number> {
  return (await redis.keys('bffkit:*sess:*')).length;
}

describe('/sessions with the Redis store', () => {
  it('lists both browsers, marks this one, and shows no token', async () => {
    await redis.flushdb();
    const laptop = await signedInDevice();
    await signedInDevice();
    await laptop.goto(url('/sessions'));
    const items = laptop.getByTestId('session-item');
    await expect.poll(() => items.count(), { timeout: WAIT_MS }).toBe(2);
    expect(await laptop.locator('[data-testid=session-item][data-current=true]').count()).toBe(1);
    expect(await laptop.getByTestId('sessions-cookie-mode').count()).toBe(0);
    const html = await laptop.content();
    expect(html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT anywhere on the page
  });

  it('"Sign out everywhere" ends the sessions of both browsers', async () => {
    await redis.flushdb();
    const laptop = await signedInDevice();
    const phone = await signedInDevice();
    await laptop.goto(url('/sessions'));
    await expect.poll(() => laptop.getByTestId('session-item').count(), { timeout: WAIT_MS }).toBe(2);

    await backend.resetStats();
    await laptop.getByTestId('sign-out-everywhere').click();
    await laptop.waitForURL((u) => u.pathname === '/login', { timeout: WAIT_MS });
    await expect.poll(() => laptop.getByTestId('session-status').innerText(), { timeout: WAIT_MS }).toBe('Not signed in');
    expect(await signedIn(laptop)).toBe(false);

    await expectSentToLogin(phone);
    expect(await liveSessionKeys()).toBe(0);
    // Both refresh tokens were revoked at the backend too, not only forgotten here.
    expect((await backend.stats()).logouts).toBe(2);
  });

  it('"End session" on another browser signs only that browser out', async () => {
    await redis.flushdb();
    const laptop = await signedInDevice();
    const phone = await signedInDevice();
    await laptop.goto(url('/sessions'));
    await expect.poll(() => laptop.getByTestId('session-item').count(), { timeout: WAIT_MS }).toBe(2);

    await laptop.locator('[data-testid=session-item][data-current=false] [data-testid=end-session]').click();
    await expect.poll(() => laptop.getByTestId('session-item').count(), { timeout: WAIT_MS }).toBe(1);
    expect(await laptop.locator('[data-testid=session-item][data-current=true]').count()).toBe(1);

    await expectSentToLogin(phone);
    expect(await signedIn(laptop)).toBe(true);
    await laptop.goto(url('/profile'));
    await expect.poll(() => laptop.getByTestId('profile-email').innerText(), { timeout: WAIT_MS }).toBe(DEMO.email);
  });

  it('works without JavaScript: the Server Action forms post and redirect', async () => {
    await redis.flushdb();
    const laptop = await signedInDevice(false);
    const phone = await signedInDevice(false);
    await laptop.goto(url('/sessions'));
    expect(await laptop.getByTestId('session-item').count()).toBe(2);
    await laptop.getByTestId('sign-out-everywhere').click();
    await laptop.waitForURL((u) => u.pathname === '/login', { timeout: WAIT_MS });
    expect(await signedIn(laptop)).toBe(false);
    await expectSentToLogin(phone);
  });

  it('sends an anonymous visitor of /sessions to the login page', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url('/sessions'));
    await page.waitForURL((u) => u.pathname === '/login', { timeout: WAIT_MS });
    expect(new URL(page.url()).searchParams.get('returnTo')).toBe('/sessions');
  });
});
