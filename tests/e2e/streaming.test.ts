/**
 * The streamed session in Chromium, against the example with Cache Components on: the header's
 * session part arrives after the static shell and must replace its fallback exactly once. A
 * SessionProvider that changed its context while a streamed <Suspense> was still hydrating made React
 * render that part again on the client, so for a moment the page held two copies (one in React's
 * hidden `<div id="S:…">`): 7 page loads in 20 did before the fix (16 loads miss such a regression about once in 1,000 runs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { signInWithLoginForm, waitForPath, withPage } from '../support/pages';
import { startStack, type Stack } from '../support/stack';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const LOADS = 16;

let stack: Stack;
let browser: TestBrowser;
const url = (path: string) => stack.app.url + path;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the session streamed into a static shell', () => {
  it('replaces the fallback once: never two copies of the streamed parts while the page loads', async () => {
    await withPage(browser, {}, async (page) => {
      await page.goto(url('/login'));
      await signInWithLoginForm(page, DEMO);
      await waitForPath(page, '/profile');
      const seen: string[] = [];
      for (let i = 0; i < LOADS; i++) {
        const path = i % 2 ? '/notes' : '/';
        await page.goto(url(path), { waitUntil: 'commit' });
        // Samples the page every 10 ms for 0.6 s, from the first byte on (a duplicate lasted longer than that).
        const worst = await page.evaluate(async () => {
          let max = 0;
          for (let k = 0; k < 60; k++) {
            max = Math.max(max, document.querySelectorAll('[data-testid=session-status]').length, document.querySelectorAll('[data-testid=note-title-input]').length);
            await new Promise((r) => setTimeout(r, 10));
          }
          return { max, status: document.querySelector('[data-testid=session-status]')?.textContent ?? '' };
        });
        seen.push(`${path}: ${worst.max} (${worst.status})`);
      }
      expect(seen.filter((s) => !/: 1 \(Signed in as Demo User\)$/.test(s)), seen.join('\n')).toEqual([]);
    });
  });
});
