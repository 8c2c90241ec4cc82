/**
 * Page helpers shared by the browser tests (tests/e2e): contexts with the suite's wait, reading text by
 * test id, waiting for a path, and the example app's login form.
 */
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestBrowser } from './browser';

/** How long the browser tests wait for a page, an element or a condition. */
export const WAIT_MS = 15_000;

/** A fresh context (own cookies and storage) whose actions wait up to {@link WAIT_MS}. */
export async function newTestContext(browser: TestBrowser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(WAIT_MS);
  return context;
}

/**
 * Runs `fn` with a new page in a fresh context ({@link newTestContext}), closing the context afterwards.
 *
 * @example
 * await withPage(browser, { javaScriptEnabled: false }, async (page) => { await page.goto(url); });
 */
export async function withPage<T>(
  browser: TestBrowser,
  options: BrowserContextOptions,
  fn: (page: Page, context: BrowserContext) => Promise<T>,
): Promise<T> {
  const context = await newTestContext(browser, options);
  try {
    return await fn(await context.newPage(), context);
  } finally {
    await context.close();
  }
}

/** Visible text of a test id, whitespace-normalised; '' while it is not on the page. */
export async function textOf(page: Page, testId: string): Promise<string> {
  const text = await page.getByTestId(testId).first().innerText({ timeout: 1_000 }).catch(() => '');
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Polls {@link textOf} for up to {@link WAIT_MS}.
 *
 * @example
 * await expectText(page, 'profile-email').toBe('demo@example.com');
 */
export function expectText(page: Page, testId: string) {
  return expect.poll(() => textOf(page, testId), { timeout: WAIT_MS });
}

/** Waits until the page is at `pathname`; answers the whole URL. */
export async function waitForPath(page: Page, pathname: string): Promise<URL> {
  await page.waitForURL((u) => u.pathname === pathname, { timeout: WAIT_MS });
  return new URL(page.url());
}

/** Fills the example app's login form (the page must show it). */
export async function fillLoginForm(page: Page, email: string, password: string): Promise<void> {
  const form = page.locator('form[data-testid=login-form]');
  await form.locator('input[name=email]').fill(email);
  await form.locator('input[name=password]').fill(password);
}

/** Submits the example app's login form. */
export async function submitLoginForm(page: Page): Promise<void> {
  await page.locator('form[data-testid=login-form] button[type=submit]').click();
}

/**
 * Fills and submits the login form on the current page; the caller waits for where it leads.
 *
 * @example
 * await page.goto(url('/login'));
 * await signInWithLoginForm(page, DEMO);
 * await waitForPath(page, '/profile');
 */
export async function signInWithLoginForm(page: Page, user: { email: string; password: string }): Promise<void> {
  await fillLoginForm(page, user.email, user.password);
  await submitLoginForm(page);
}

/**
 * The end of a fresh app's signed-in walk: the browser's own API call through the forwarding route
 * (the token attached on the server) answers the signed-in user, then Sign out clears every bffkit
 * cookie and the protected page sends the browser to /login again.
 *
 * @example
 * await expectForwardingThenSignOut(page, context, server.url, DEMO.email);
 */
export async function expectForwardingThenSignOut(page: Page, context: BrowserContext, appUrl: string, email: string): Promise<void> {
  const me = await page.evaluate(async () => {
    const res = await fetch('/api/backend/auth/me');
    return { status: res.status, body: (await res.json()) as { email?: string } };
  });
  expect(me).toMatchObject({ status: 200, body: { email } });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await waitForPath(page, '/login');
  expect((await context.cookies()).filter((c) => c.name.startsWith('bffkit'))).toEqual([]);
  await page.goto(`${appUrl}/profile`);
  await waitForPath(page, '/login');
}
