/**
 * Browser tests for OpenID Connect sign-in (issue 9): real Chromium, the example app with
 * BFF_BACKEND=oidc, the example identity provider (oidc-provider) and the example backend accepting
 * the provider's access tokens, each in its own process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { clientVisibleState, launchBrowser, recordResponses, type TestBrowser } from '../support/browser';
import { startOidcStack, type OidcStack } from '../support/oidc-process';
import { WAIT_MS, textOf, withPage } from '../support/pages';
import { readSessionCookie } from '../support/session-cookie';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };

let browser: TestBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

/** From the app's /login page through the provider's login page, back to the app. */
async function signInAtProvider(stack: OidcStack, page: Page, credentials = DEMO, returnTo = '/profile'): Promise<void> {
  await page.goto(`${stack.app.url}/login?returnTo=${encodeURIComponent(returnTo)}`);
  await page.getByTestId('oidc-sign-in').click();
  await page.waitForURL((u) => u.origin === stack.idp.issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('#email').fill(credentials.email);
  await page.locator('#password').fill(credentials.password);
  await page.getByTestId('idp-submit').click();
}

describe('OIDC sign-in in a browser, sessions in the cookie', () => {
  let stack: OidcStack;
  beforeAll(async () => {
    stack = await startOidcStack();
  });
  afterAll(() => stack?.stop());

  it.each([true, false])('signs in through the provider login page and lands on /profile with backend data (JavaScript %s)', async (js) => {
    await withPage(browser, { javaScriptEnabled: js }, async (page, context) => {
      const recorder = recordResponses(context);
      await page.goto(`${stack.app.url}/login`);
      // Only the provider button: this app has no password form of its own in OIDC mode.
      expect(await page.locator('form[data-testid=login-form]').count()).toBe(0);
      await signInAtProvider(stack, page);
      await page.waitForURL(`${stack.app.url}/profile`);
      await expect.poll(() => textOf(page, 'profile-email'), { timeout: WAIT_MS }).toBe('demo@example.com');
      expect(await textOf(page, 'profile-name')).toBe('Demo User');
      expect(await textOf(page, 'profile-id')).toBe('1'); // the backend's own id, found by e-mail
      await expect.poll(() => textOf(page, 'session-status'), { timeout: WAIT_MS }).toBe('Signed in as Demo User');

      // No token reached the browser: not in any response, header, cookie or storage (docs/security.md 2).
      const cookies = (await context.cookies(stack.app.url)).filter((c) => c.name === 'bffkit' || c.name.startsWith('bffkit.'));
      const sealed = cookies.sort((a, b) => a.name.localeCompare(b.name)).map((c) => c.value).join('');
      const session = readSessionCookie(sealed);
      expect(session?.tokens.idToken).toBeTruthy();
      const secrets = [session!.tokens.accessToken, session!.tokens.refreshToken!, session!.tokens.idToken!];
      const everything = (await recorder.settle())
        .filter((r) => r.url.startsWith(stack.app.url))
        .map((r) => `${r.url} ${JSON.stringify(r.headers)} ${r.body}`)
        .join('\n');
      const visible = await clientVisibleState(page);
      for (const token of secrets) {
        expect(everything).not.toContain(token);
        expect(JSON.stringify(visible)).not.toContain(token);
      }
      expect(cookies.every((c) => c.httpOnly)).toBe(true);
      expect(await context.cookies(stack.app.url).then((all) => all.some((c) => c.name === 'bffkit-tx'))).toBe(false);
    });
  });

  it('shows the provider error for a wrong password, and a fixed message at the app when the user cancels', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page) => {
      await signInAtProvider(stack, page, { email: DEMO.email, password: 'wrong' });
      await expect.poll(() => textOf(page, 'idp-error'), { timeout: WAIT_MS }).toBe('Invalid email or password.');
      await page.getByTestId('idp-cancel').click();
      await page.waitForURL((u) => u.origin === stack.app.url && u.pathname === '/login');
      expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
      await expect.poll(() => textOf(page, 'login-error'), { timeout: WAIT_MS }).toBe('Sign-in was cancelled at the identity provider.');
      expect(await textOf(page, 'session-status')).toBe('Not signed in');
    });
  });

  it('signs out of the app and the provider (RP-initiated logout, without JavaScript)', async () => {
    await withPage(browser, { javaScriptEnabled: false }, async (page) => {
      await signInAtProvider(stack, page);
      await page.waitForURL(`${stack.app.url}/profile`);
      await page.getByTestId('sign-out').click();
      // The provider asks for confirmation (its own page), then sends the browser back to the app.
      await page.waitForURL((u) => u.origin === stack.idp.issuer);
      await page.getByTestId('idp-logout-yes').click();
      await page.waitForURL(`${stack.app.url}/`);
      expect(await textOf(page, 'session-status')).toBe('Not signed in');
      // The provider session ended too: signing in asks for the password again.
      await page.goto(`${stack.app.url}/login`);
      await page.getByTestId('oidc-sign-in').click();
      await page.waitForURL((u) => u.origin === stack.idp.issuer && u.pathname.startsWith('/interaction/'));
      expect(await page.locator('[data-testid=idp-login-form]').count()).toBe(1);
    });
  });
});

describe('OIDC in a browser, sessions in Redis', () => {
  let stack: OidcStack;
  beforeAll(async () => {
    stack = await startOidcStack({ redisSessions: true });
  });
  afterAll(() => stack?.stop());

  it('a back-channel logout from the provider ends the app session: the next page load goes to /login', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page) => {
      await signInAtProvider(stack, page);
      await page.waitForURL(`${stack.app.url}/profile`);
      // The user signs out at the provider directly (another tab, another app: not through this app).
      await page.goto(`${stack.idp.issuer}/session/end`);
      await page.getByTestId('idp-logout-yes').click();
      await page.waitForURL((u) => u.origin === stack.idp.issuer && u.pathname !== '/session/end');
      expect((await stack.idp.stats()).backchannel_success).toBe(1);
      await page.goto(`${stack.app.url}/profile`);
      await page.waitForURL((u) => u.pathname === '/login');
      expect(new URL(page.url()).searchParams.get('returnTo')).toBe('/profile');
      expect(await textOf(page, 'session-status')).toBe('Not signed in');
    });
  });
});
