/**
 * The right token for each API (issue 19), through bffkit's core: the example provider with resource
 * indicators (the example API and a billing API), token exchange and an exchange-only partner API;
 * the example backend in its two roles (three processes: notes, billing, partner). Each upstream gets
 * a token for its own audience only, proven by what each API RECEIVED (its `received_tokens`), and the
 * per-resource token refreshes under a storm with one token request.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash, type RunningBackend } from '../support/backend-process';
import { billingUpstream, clientOptions, CORE_SECRET, freePort, notesUpstream, providerFor, startCore, type CoreStack } from '../support/core-stack';
import type { CookieJar } from '../support/http';
import { OIDC_API_RESOURCE, OIDC_BILLING_RESOURCE, OIDC_PARTNER_RESOURCE, signInThroughProvider, startResourceServer, type OidcProviderProcess } from '../support/oidc-process';
import { sessionInJar } from '../support/session-cookie';

const TTL = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sessionIn = (jar: CookieJar) => sessionInJar(jar, CORE_SECRET)!;

let idp: OidcProviderProcess;
let api: RunningBackend;
let billing: RunningBackend;
let partner: RunningBackend;
let core: CoreStack;

beforeAll(async () => {
  const port = await freePort();
  idp = await providerFor(port, { billing: true, partner: true, tokenExchange: true, clientCredentials: true, accessTokenTtl: TTL });
  [api, billing, partner] = await Promise.all([
    startResourceServer(idp),
    startResourceServer(idp, { role: 'billing' }),
    startResourceServer(idp, { role: 'billing', audience: OIDC_PARTNER_RESOURCE }),
  ]);
  core = await startCore(
    port,
    // Both APIs named at sign-in; the session's own token is the example API's.
    clientOptions(idp, { resource: [OIDC_API_RESOURCE, OIDC_BILLING_RESOURCE], scopes: ['openid', 'profile', 'email', 'api', 'billing'] }),
    {
      api: notesUpstream(api),
      billing: billingUpstream(billing, { token: { resource: OIDC_BILLING_RESOURCE } }),
      partner: billingUpstream(partner, { mount: '/api/partner', token: { exchange: { resource: OIDC_PARTNER_RESOURCE, scope: 'partner' } } }),
      rates: billingUpstream(billing, { mount: '/api/rates', allow: [{ path: '/rates', methods: ['GET'] }], token: { clientCredentials: { resource: OIDC_BILLING_RESOURCE } } }),
    },
  );
});
afterAll(async () => {
  await core?.stop();
  await Promise.all([api?.stop(), billing?.stop(), partner?.stop()]);
  await idp?.stop();
});

const get = async (jar: CookieJar, path: string) => {
  const res = await fetch(`${core.url}${path}`, { headers: { cookie: jar.header() } });
  jar.store(res);
  return res;
};

describe('one token per upstream', () => {
  it('each upstream receives a token for its own audience, and only that one', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    await Promise.all([api.resetStats(), billing.resetStats(), partner.resetStats(), idp.resetStats()]);
    expect((await get(appJar, '/api/backend/notes')).status).toBe(200);
    expect((await get(appJar, '/api/billing/invoices')).status).toBe(200);
    const invoices = await get(appJar, '/api/billing/invoices');
    expect(await invoices.json()).toEqual([expect.objectContaining({ customer: 'demo@example.com' }), expect.objectContaining({ status: 'open' })]);
    expect((await get(appJar, '/api/partner/invoices')).status).toBe(200);

    const session = sessionIn(appJar);
    const own = session.tokens.accessToken;
    const billingToken = session.upstreamTokens![`r:${OIDC_BILLING_RESOURCE}`]!.accessToken;
    const partnerToken = Object.entries(session.upstreamTokens!).find(([k]) => k.startsWith('x:'))![1].accessToken;
    expect(decodeJwt(own).aud).toBe(OIDC_API_RESOURCE);
    expect(decodeJwt(billingToken).aud).toBe(OIDC_BILLING_RESOURCE);
    expect(decodeJwt(partnerToken)).toMatchObject({ aud: OIDC_PARTNER_RESOURCE, scope: 'partner', sub: decodeJwt(own).sub });

    // What each API received: its own token only (and the billing token reused from the session: one refresh).
    const received = async (b: RunningBackend) => (await b.stats()).received_tokens.map((t) => [t.sha256, t.aud, t.accepted]);
    expect(await received(api)).toEqual([[tokenHash(own), OIDC_API_RESOURCE, true]]);
    expect(await received(billing)).toEqual([
      [tokenHash(billingToken), OIDC_BILLING_RESOURCE, true],
      [tokenHash(billingToken), OIDC_BILLING_RESOURCE, true],
    ]);
    expect(await received(partner)).toEqual([[tokenHash(partnerToken), OIDC_PARTNER_RESOURCE, true]]);
    expect(await idp.stats()).toMatchObject({ refresh_token: 1, token_exchange: 1, grant_errors: 0 });
  });

  it('keeps the rotated refresh token: the session refreshes its own token afterwards without reuse', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    const first = sessionIn(appJar).tokens.refreshToken;
    expect((await get(appJar, '/api/billing/invoices')).status).toBe(200);
    // The default profile rotates on every refresh, this one for billing included.
    expect(sessionIn(appJar).tokens.refreshToken).not.toBe(first);
    await sleep((TTL - 0.5) * 1000);
    await idp.resetStats();
    expect((await get(appJar, '/api/backend/notes')).status).toBe(200);
    expect((await get(appJar, '/api/billing/invoices')).status).toBe(200);
    expect(await idp.stats()).toMatchObject({ refresh_token: 2, refresh_token_reuse: 0, grant_errors: 0 });
  });

  it('obtains the per-resource token under a storm with one token request, all calls succeeding', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    await idp.resetStats();
    await billing.resetStats();
    const cookie = appJar.header();
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${core.url}/api/billing/invoices`, { headers: { cookie } })));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await idp.stats()).toMatchObject({ refresh_token: 1, grant_errors: 0 });
    // Every call carried the same billing token.
    expect(new Set((await billing.stats()).received_tokens.map((t) => t.sha256)).size).toBe(1);

    // Its expiry: the next storm refreshes it once more, and the session's own token survives both.
    appJar.store(answers[0]!);
    await sleep((TTL - 0.5) * 1000);
    await idp.resetStats();
    const again = await Promise.all(Array.from({ length: 20 }, () => fetch(`${core.url}/api/billing/invoices`, { headers: { cookie: appJar.header() } })));
    expect(again.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await idp.stats()).toMatchObject({ refresh_token: 1, refresh_token_reuse: 0, grant_errors: 0 });
  });

  it('caches the exchanged token until it is due, then exchanges again (one exchange per storm)', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    await idp.resetStats();
    const cookie = appJar.header();
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${core.url}/api/partner/invoices`, { headers: { cookie } })));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    appJar.store(answers[0]!);
    expect((await get(appJar, '/api/partner/invoices')).status).toBe(200);
    expect((await idp.stats()).token_exchange).toBe(1);
  });

  it('sends the app\'s own client-credentials token to a machine upstream: one grant per process, no user in it, never the user\'s token', async () => {
    const a = (await signInThroughProvider(core.url)).appJar;
    const b = (await signInThroughProvider(core.url)).appJar;
    await idp.resetStats();
    await billing.resetStats();
    const answers = await Promise.all([a, b, a, b].map((jar) => fetch(`${core.url}/api/rates/rates`, { headers: { cookie: jar.header() } })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await answers[0]!.json()).toEqual({ currency: 'EUR', rates: expect.any(Object), client: 'bffkit-example' });
    expect((await idp.stats()).client_credentials).toBe(1);
    const received = (await billing.stats()).received_tokens;
    expect(new Set(received.map((t) => t.sha256)).size).toBe(1);
    // Not any of the users' tokens, and nothing about the machine token went into their sessions.
    for (const jar of [a, b]) {
      const session = sessionIn(jar);
      const theirs = [session.tokens.accessToken, ...Object.values(session.upstreamTokens ?? {}).map((t) => t.accessToken)].map(tokenHash);
      expect(theirs).not.toContain(received[0]!.sha256);
      expect(Object.keys(session.upstreamTokens ?? {}).some((k) => k.startsWith('c:'))).toBe(false);
    }
    // Without a session there is no call at all: the BFF is not an open proxy for the app's token.
    expect((await fetch(`${core.url}/api/rates/rates`)).status).toBe(401);
  });
});
