/**
 * Issue 3 in a real browser: a 6-second access token, a user who keeps working across several
 * expiries (server-rendered pages and client calls) without ever being signed out, and a revoked
 * refresh token that ends the session in this tab and, through BroadcastChannel, in a second tab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Response as PwResponse } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { WAIT_MS, expectText, newTestContext, signInWithLoginForm, textOf, waitForPath } from '../support/pages';
import { startStack, type Stack } from '../support/stack';

const TTL = 6;
const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };
/** Idle long enough for the access token to be past its expiry, not just due. */
const PAST_EXPIRY_MS = (TTL + 1.5) * 1000;

let stack: Stack;
let browser: TestBrowser;
const url = (path: string) => stack.app.url + path;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ accessTokenTtl: TTL }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signIn(page: Page): Promise<void> {
  await page.goto(url('/login'));
  await signInWithLoginForm(page, DEMO);
  await waitForPath(page, '/profile');
  await expectText(page, 'profile-email').toBe(DEMO.email);
}

const newContext = (): Promise<BrowserContext> => newTestContext(browser);

/** Every pathname the page's main frame navigated to (client-side navigations included). */
function trackPaths(page: Page): string[] {
  const paths: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) paths.push(new URL(frame.url()).pathname);
  });
  return paths;
}

/** Creates a note through the UI and waits until the list shows it. */
async function createNote(page: Page, title: string): Promise<void> {
  await page.getByTestId('note-title-input').fill(title);
  await page.getByTestId('note-body-input').fill(`body of ${title}`);
  await page.getByTestId('note-create').click();
  await expect
    .poll(async () => page.getByTestId('note-title').allInnerTexts(), { timeout: WAIT_MS })
    .toContain(title);
}

async function noteTitles(page: Page): Promise<string[]> {
  return (await page.getByTestId('note-title').allInnerTexts()).map((t) => t.trim());
}

describe('a session that outlives its access tokens', () => {
  it('stays signed in across three expiries, on server-rendered pages and client calls, and the backend never sees an expired token', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      await signIn(page);
      const paths = trackPaths(page);
      await stack.backend.resetStats();

      // Client navigation to the notes page, then a client call (bffFetch through /api/backend).
      await page.getByRole('link', { name: 'Notes', exact: true }).first().click();
      await waitForPath(page, '/notes');
      await createNote(page, 'before the first expiry');

      // 1. Expired token, first request is a client call: the forwarding route handler refreshes.
      await sleep(PAST_EXPIRY_MS);
      await createNote(page, 'after the first expiry');
      expect(await textOf(page, 'notes-error')).toBe('');

      // 2. Expired token, first request is a server-rendered navigation: proxy.ts refreshes before
      //    the Server Component fetches /auth/me with the token.
      await sleep(PAST_EXPIRY_MS);
      await page.getByRole('link', { name: 'Profile', exact: true }).first().click();
      await waitForPath(page, '/profile');
      await expectText(page, 'profile-email').toBe(DEMO.email);
      await expectText(page, 'profile-name').toBe(DEMO.name);

      // 3. Expired token, a full reload of a server-rendered page, then client CRUD again.
      await sleep(PAST_EXPIRY_MS);
      await page.reload();
      await expectText(page, 'profile-email').toBe(DEMO.email);
      await page.getByRole('link', { name: 'Notes', exact: true }).first().click();
      await waitForPath(page, '/notes');
      await expect.poll(() => noteTitles(page), { timeout: WAIT_MS }).toEqual(
        expect.arrayContaining(['before the first expiry', 'after the first expiry']),
      );
      const item = page.getByTestId('note-item').filter({ hasText: 'after the first expiry' });
      await item.getByTestId('note-delete').click();
      await expect.poll(() => noteTitles(page), { timeout: WAIT_MS }).not.toContain('after the first expiry');

      await expectText(page, 'session-status').toBe(`Signed in as ${DEMO.name}`);
      expect(paths.filter((p) => p === '/login'), `navigations: ${paths.join(' → ')}`).toEqual([]);

      const stats = await stack.backend.stats();
      expect(stats.refreshes).toBeGreaterThanOrEqual(3);
      expect(stats.refresh_failures).toBe(0);
      expect(stats.refresh_reuse_detected).toBe(0);
      expect(stats.expired_token_requests).toBe(0);
      expect(stats.invalid_token_requests).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe('a refresh token revoked at the backend', () => {
  it('ends the session at the browser\'s renewal or the next client call: this tab lands on /login with returnTo, the second tab follows within a second', async () => {
    const context = await newContext();
    try {
      const first = await context.newPage();
      await signIn(first);
      await first.getByRole('link', { name: 'Notes', exact: true }).first().click();
      await waitForPath(first, '/notes');
      await first.getByTestId('note-create').waitFor({ state: 'visible' });

      const second = await context.newPage();
      await second.goto(url('/profile'));
      await expectText(second, 'profile-email').toBe(DEMO.email);
      await expectText(second, 'session-status').toBe(`Signed in as ${DEMO.name}`);

      let secondOnLoginAt = 0;
      second.on('framenavigated', (frame) => {
        if (frame === second.mainFrame() && new URL(frame.url()).pathname === '/login' && !secondOnLoginAt) secondOnLoginAt = Date.now();
      });

      // The first tab has the focus from here on: no focus/visibility refetch can beat the client call below.
      await first.bringToFront();
      await sleep(300);
      // What finds the revoked refresh token first: usually SessionProvider's renewal ahead of expiry
      // (stateless mode, docs/multi-instance.md), else the next client call.
      const isEnd = async (r: PwResponse) => {
        if (r.request().method() !== 'POST') return false;
        const path = new URL(r.url()).pathname;
        if (path === '/api/backend/notes') return r.status() === 401;
        return path === '/api/auth/session' && (await r.text().catch(() => '')).includes('"unauthenticated"');
      };
      const ended = first.waitForResponse(isEnd, { timeout: PAST_EXPIRY_MS + 15_000 }).then((r) => ({ r, at: Date.now() }));
      const before = await stack.backend.stats();
      await stack.backend.revoke(DEMO.email);
      // Let the access token fall due, so the next call has to present the revoked refresh token.
      await sleep(PAST_EXPIRY_MS);
      if (await first.getByTestId('note-title-input').isVisible()) {
        await first.getByTestId('note-title-input').fill('after revocation').catch(() => undefined);
        await first.getByTestId('note-create').click({ timeout: 2_000 }).catch(() => undefined);
      }
      const { r: response, at: endedAt } = await ended;
      const body = (await response.json()) as { code?: string; status?: string };
      if (new URL(response.url()).pathname === '/api/backend/notes') expect(body).toMatchObject({ code: 'session_expired' });
      else expect(body).toEqual({ status: 'unauthenticated' });

      const landed = await waitForPath(first, '/login');
      expect(landed.searchParams.get('returnTo')).toBe('/notes');
      await expectText(first, 'session-status').toBe('Not signed in');

      const followed = await waitForPath(second, '/login');
      expect(followed.searchParams.get('returnTo')).toBe('/profile');
      const followedAfterMs = secondOnLoginAt - endedAt;
      console.info(`[e2e refresh] second tab on /login ${followedAfterMs} ms after the end`);
      expect(followedAfterMs).toBeLessThan(1_000);
      await expectText(second, 'session-status').toBe('Not signed in');

      expect((await context.cookies(stack.app.url)).filter((c) => c.name.startsWith('bffkit'))).toEqual([]);
      const after = await stack.backend.stats();
      // One refresh attempt (rejected), no note created, no expired token, no retry loop.
      expect(after.refresh_failures - before.refresh_failures).toBe(1);
      expect(after.refreshes).toBe(before.refreshes);
      expect(after.expired_token_requests).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe('a session end noticed by a refetch', () => {
  // A refetch that turns an authenticated tab unauthenticated announces 'session-ended' to every tab.
  it('is broadcast too: when a tab learns on focus that the session is over, the other tab follows within a second', async () => {
    const context = await newContext();
    try {
      const first = await context.newPage();
      await signIn(first);
      const second = await context.newPage();
      await second.goto(url('/profile'));
      await expectText(second, 'profile-email').toBe(DEMO.email);
      let secondOnLoginAt = 0;
      second.on('framenavigated', (frame) => {
        if (frame === second.mainFrame() && new URL(frame.url()).pathname === '/login' && !secondOnLoginAt) secondOnLoginAt = Date.now();
      });

      await stack.backend.revoke(DEMO.email);
      await sleep(PAST_EXPIRY_MS);
      // Coming back to the first tab refetches the session (focus), which refreshes, is rejected, ends.
      const refetched = first.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/session');
      await first.bringToFront();
      await first.evaluate(() => window.dispatchEvent(new Event('focus')));
      const response = await refetched;
      const endedAt = Date.now();
      expect(await response.json()).toEqual({ status: 'unauthenticated' });
      await waitForPath(first, '/login');

      await second.waitForURL((u) => u.pathname === '/login', { timeout: 3_000 });
      const followedAfterMs = secondOnLoginAt - endedAt;
      console.info(`[e2e refresh] second tab on /login ${followedAfterMs} ms after the first tab's refetch`);
      expect(followedAfterMs).toBeLessThan(1_000);
    } finally {
      await context.close();
    }
  });
});
