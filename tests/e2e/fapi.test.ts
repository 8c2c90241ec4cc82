/**
 * The example app as a FAPI 2.0 client (issue 18) in real Chromium: the example provider in its FAPI
 * 2.0 profile (PAR required, private_key_jwt, DPoP-bound tokens, DPoP nonce at the token endpoint,
 * `iss` in the callback), the example backend as the DPoP resource server, the example app with
 * OIDC_PROFILE=fapi2, each its own process. Sign-in, a Server Component fetch and a browser call with
 * DPoP, a refresh storm with one refresh, logout; no token and no DPoP key ever reaches the browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { clientVisibleState, launchBrowser, recordResponses, type TestBrowser } from '../support/browser';
import { cookieJar } from '../support/http';
import { startOidcStack, type OidcStack } from '../support/oidc-process';
import { WAIT_MS, textOf, withPage } from '../support/pages';
import { sessionInJar } from '../support/session-cookie';
import { tokenHash } from '../support/backend-process';

const TTL = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let browser: TestBrowser;
let stack: OidcStack;
beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startOidcStack({ provider: { profile: 'fapi2' }, accessTokenTtl: TTL });
});
afterAll(async () => {
  await stack?.stop();
  await browser?.close();
});

async function signIn(page: Page, returnTo = '/profile'): Promise<void> {
  await page.goto(`${stack.app.url}/login?returnTo=${encodeURIComponent(returnTo)}`);
  await page.getByTestId('oidc-sign-in').click();
  await page.waitForURL((u) => u.origin === stack.idp.issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('#email').fill('demo@example.com');
  await page.locator('#password').fill('demo-password');
  await page.getByTestId('idp-submit').click();
  await page.waitForURL(`${stack.app.url}${returnTo}`);
}

describe('the example app under FAPI 2.0, in Chromium', () => {
  it('signs in (PAR, private_key_jwt, DPoP), renders the profile fetched with DPoP, and never shows a token or the key', async () => {
    await stack.idp.resetStats();
    await stack.backend.resetStats();
    await withPage(browser, { javaScriptEnabled: true }, async (page, context) => {
      const recorder = recordResponses(context);
      await signIn(page);
      await expect.poll(() => textOf(page, 'profile-email'), { timeout: WAIT_MS }).toBe('demo@example.com');
      expect(await stack.idp.stats()).toMatchObject({ pushed_authorization_requests: 1, authorization_code: 1, grant_errors: 0 });

      const jar = cookieJar();
      for (const c of await context.cookies(stack.app.url)) jar.set(c.name, c.value);
      const session = sessionInJar(jar)!;
      expect(session.tokens.tokenType).toBe('DPoP');
      // The Server Component's call reached the backend with the DPoP scheme and an accepted proof.
      const received = (await stack.backend.stats()).received_tokens;
      expect(received).toContainEqual(expect.objectContaining({ sha256: tokenHash(session.tokens.accessToken), scheme: 'DPoP', path: '/auth/me', accepted: true }));

      const secrets = [session.tokens.accessToken, session.tokens.refreshToken!, session.tokens.idToken!, session.dpopKey!.d];
      const everything = (await recorder.settle()).filter((r) => r.url.startsWith(stack.app.url)).map((r) => `${r.url} ${JSON.stringify(r.headers)} ${r.body}`).join('\n');
      const visible = JSON.stringify(await clientVisibleState(page));
      for (const secret of secrets) {
        expect(everything).not.toContain(secret);
        expect(visible).not.toContain(secret);
      }
    });
  });

  it('loads notes in the browser through the forwarding route with DPoP', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page) => {
      await signIn(page, '/notes');
      await stack.backend.resetStats();
      await page.reload();
      await expect.poll(async () => (await stack.backend.stats()).received_tokens.some((t) => t.path === '/notes' && t.scheme === 'DPoP' && t.accepted), { timeout: WAIT_MS }).toBe(true);
      expect((await stack.backend.stats()).dpop_rejections).toBe(0);
    });
  });

  it('refreshes with DPoP under a storm of browser calls: one refresh, every call answered', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page) => {
      await page.clock.install();
      await signIn(page, '/notes');
      // The page's clock stands still, so SessionProvider's renewal ahead of expiry (docs/multi-instance.md)
      // does not refresh first: the storm's calls, plain fetches, meet the due token on the server.
      await page.clock.pauseAt(Date.now() + 100);
      await sleep((TTL - 0.5) * 1000);
      await stack.idp.resetStats();
      await stack.backend.resetStats();
      const statuses = await page.evaluate(async () => {
        const calls = Array.from({ length: 20 }, () => fetch('/api/backend/notes', { headers: { 'x-csrf': '1' } }).then((r) => r.status));
        return Promise.all(calls);
      });
      expect(statuses).toEqual(Array(20).fill(200));
      expect(await stack.idp.stats()).toMatchObject({ refresh_token: 1, grant_errors: 0 });
      expect(await stack.backend.stats()).toMatchObject({ expired_token_requests: 0, dpop_rejections: 0 });
    });
  });

  it('signs out of the app and the provider', async () => {
    await withPage(browser, { javaScriptEnabled: true }, async (page) => {
      await signIn(page);
      await stack.idp.resetStats();
      await page.getByTestId('sign-out').click();
      await page.waitForURL((u) => u.origin === stack.idp.issuer);
      await page.getByTestId('idp-logout-yes').click();
      await page.waitForURL(`${stack.app.url}/`);
      await expect.poll(() => textOf(page, 'session-status'), { timeout: WAIT_MS }).toBe('Not signed in');
      expect((await stack.idp.stats()).grants_revoked).toBeGreaterThanOrEqual(1);
    });
  });
});
