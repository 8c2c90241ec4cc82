/**
 * Step-up in real Chromium (issue 19): the example provider with two sign-in levels and a one-time
 * code, the example API whose `POST /payments` answers a password-level token with RFC 9470's
 * `insufficient_user_authentication`, the billing API with its own audience, and the example app.
 * From the 401 challenge through the provider's second-factor page back to the app, where the
 * payment is retried once and succeeds, with `acr` recorded in the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { tokenHash } from '../support/backend-process';
import { cookieJar } from '../support/http';
import { OIDC_ACR, OIDC_BILLING_RESOURCE, OIDC_OTP_CODE, startOidcStack, type OidcStack } from '../support/oidc-process';
import { WAIT_MS, textOf, withPage } from '../support/pages';
import { sessionInJar } from '../support/session-cookie';

let browser: TestBrowser;
let stack: OidcStack;
beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startOidcStack({ provider: { stepUp: true }, billingApi: true, appEnv: { BILLING_ACR: OIDC_ACR.mfa } });
});
afterAll(async () => {
  await stack?.stop();
  await browser?.close();
});

async function signIn(page: Page, returnTo: string): Promise<void> {
  await page.goto(`${stack.app.url}/login?returnTo=${encodeURIComponent(returnTo)}`);
  await page.getByTestId('oidc-sign-in').click();
  await page.waitForURL((u) => u.origin === stack.idp.issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('#email').fill('demo@example.com');
  await page.locator('#password').fill('demo-password');
  await page.getByTestId('idp-submit').click();
  await page.waitForURL(`${stack.app.url}${returnTo}`);
}

async function sessionOf(context: BrowserContext) {
  const jar = cookieJar();
  for (const c of await context.cookies(stack.app.url)) jar.set(c.name, c.value);
  return sessionInJar(jar)!;
}

describe('step-up in Chromium', () => {
  it('from the 401 challenge through the second factor back to the page: the payment is retried once and accepted, acr recorded', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page, context) => {
      await signIn(page, '/payments');
      await expect.poll(() => textOf(page, 'auth-level'), { timeout: WAIT_MS }).toBe(OIDC_ACR.pwd);
      expect((await sessionOf(context)).auth).toMatchObject({ acr: OIDC_ACR.pwd, amr: ['pwd'] });
      await stack.backend.resetStats();

      await page.getByTestId('pay').click();
      // The API asked for mfa: off to the provider, which asks for the second factor only.
      await page.waitForURL((u) => u.origin === stack.idp.issuer && u.pathname.startsWith('/interaction/'));
      await page.getByTestId('idp-otp-form').waitFor();
      expect(await page.locator('#password').count()).toBe(0);
      await page.locator('#code').fill(OIDC_OTP_CODE);
      await page.getByTestId('idp-otp-submit').click();

      // Back where the user was; the refused payment was sent again, once, and accepted.
      await page.waitForURL(`${stack.app.url}/payments`);
      await expect.poll(() => textOf(page, 'payment-accepted'), { timeout: WAIT_MS }).toContain(`(sign-in level ${OIDC_ACR.mfa})`);
      expect(await textOf(page, 'auth-level')).toBe(OIDC_ACR.mfa);
      const session = await sessionOf(context);
      expect(session.auth).toMatchObject({ acr: OIDC_ACR.mfa, amr: ['pwd', 'otp', 'mfa'], authTime: expect.any(Number) });
      const stats = await stack.backend.stats();
      expect(stats.step_up_challenges).toBe(1);
      expect(stats.received_tokens.filter((t) => t.path === '/payments').map((t) => t.accepted)).toEqual([true, true]);
    });
  });

  it('a page that requires a level (requireAuth({ acr })) sends the session through the step-up and back; its Server Component fetch gets a billing-audience token only', async () => {
    await withPage(browser, { javaScriptEnabled: false }, async (page, context) => {
      await signIn(page, '/profile');
      await Promise.all([stack.backend.resetStats(), stack.billing!.resetStats()]);
      await page.goto(`${stack.app.url}/billing`);
      // proxy.ts (protectedPaths { path: '/billing', acr }) redirected, before anything rendered: the
      // login route with acr_values, then the provider's second factor. No JavaScript needed.
      await page.getByTestId('idp-otp-form').waitFor();
      await page.locator('#code').fill(OIDC_OTP_CODE);
      await page.getByTestId('idp-otp-submit').click();
      await page.waitForURL(`${stack.app.url}/billing`);
      await expect.poll(async () => page.getByTestId('invoice').count(), { timeout: WAIT_MS }).toBe(2);
      const session = await sessionOf(context);
      expect(session.auth?.acr).toBe(OIDC_ACR.mfa);
      // The Server Component could not write the cookie, so the billing token is not in it: what the APIs
      // received says which token each got.
      const atBilling = (await stack.billing!.stats()).received_tokens;
      expect(atBilling.length).toBeGreaterThan(0);
      expect(atBilling.every((t) => t.aud === OIDC_BILLING_RESOURCE && t.accepted)).toBe(true);
      expect(atBilling.map((t) => t.sha256)).not.toContain(tokenHash(session.tokens.accessToken));
      const atNotes = (await stack.backend.stats()).received_tokens;
      expect(atNotes.every((t) => t.aud !== OIDC_BILLING_RESOURCE)).toBe(true);
      for (const t of atBilling) expect(atNotes.map((n) => n.sha256)).not.toContain(t.sha256);
      // Again, after the render: the billing token comes from the successor record, not a new token request.
      await stack.idp.resetStats();
      await page.reload();
      await expect.poll(async () => page.getByTestId('invoice').count(), { timeout: WAIT_MS }).toBe(2);
      expect((await stack.idp.stats()).refresh_token).toBe(0);
    });
  });
});
