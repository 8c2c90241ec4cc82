/**
 * One token per API at the example provider, driven by oauth4webapi directly (no bffkit): resource
 * indicators (RFC 8707) for the example API and a second "billing" API, token exchange (RFC 8693) to
 * the billing API and to a partner API only exchange reaches, and the two example resource servers
 * (each its own process) accepting only their own audience and recording every token they received.
 */
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash, type RunningBackend } from '../support/backend-process';
import { discover, exchangeRequest, refresh, signIn, type TestClient } from '../support/oauth-client';
import {
  ACCESS_TOKEN_TYPE,
  OIDC_ACR,
  OIDC_API_RESOURCE,
  OIDC_BILLING_RESOURCE,
  OIDC_CLIENT,
  OIDC_PARTNER_RESOURCE,
  TOKEN_EXCHANGE_GRANT,
  authorizeAtProvider,
  startOidcProvider,
  startResourceServer,
  type OidcProviderProcess,
} from '../support/oidc-process';
import { freePort } from '../support/ports';

const BOTH = [OIDC_API_RESOURCE, OIDC_BILLING_RESOURCE];
const SCOPE = 'openid email profile api billing';

let idp: OidcProviderProcess;
let api: RunningBackend;
let billing: RunningBackend;
let partner: RunningBackend;
let tc: TestClient;

beforeAll(async () => {
  const appUrl = `http://localhost:${await freePort()}`;
  idp = await startOidcProvider({ appUrl, billing: true, partner: true, tokenExchange: true, stepUp: true });
  [api, billing, partner] = await Promise.all([
    startResourceServer(idp),
    startResourceServer(idp, { role: 'billing' }),
    startResourceServer(idp, { role: 'billing', audience: OIDC_PARTNER_RESOURCE }),
  ]);
  tc = { as: await discover(idp.issuer), client: { client_id: OIDC_CLIENT.id }, auth: oauth.ClientSecretBasic(OIDC_CLIENT.secret), redirectUri: `${appUrl}/api/auth/oidc/callback` };
});
afterAll(async () => {
  await Promise.all([api?.stop(), billing?.stop(), partner?.stop()]);
  await idp?.stop();
});

const bearer = (base: RunningBackend, path: string, token: string) => fetch(`${base.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

async function exchange(params: Record<string, string | string[]>): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) body.append(k, one);
  const res = await exchangeRequest(tc, body);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('resource indicators (RFC 8707): a token per API', () => {
  it('issues the example API token at sign-in and a billing token on refresh with resource=billing', async () => {
    const { tokens } = await signIn(tc, { resource: BOTH, scope: SCOPE });
    // Several granted, none named at the token endpoint: the example API.
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: OIDC_API_RESOURCE, scope: 'api', email: 'demo@example.com' });
    const forBilling = await refresh(tc, tokens.refresh_token!, { resource: OIDC_BILLING_RESOURCE });
    expect(decodeJwt(forBilling.access_token)).toMatchObject({ aud: OIDC_BILLING_RESOURCE, scope: 'billing', sub: 'u-1001' });
    expect(forBilling.scope).toBe('billing');
    const forApi = await refresh(tc, forBilling.refresh_token!, { resource: OIDC_API_RESOURCE });
    expect(decodeJwt(forApi.access_token)).toMatchObject({ aud: OIDC_API_RESOURCE, scope: 'api' });
  });

  it('each API accepts its own token only, and records every token it received', async () => {
    const { tokens } = await signIn(tc, { resource: BOTH, scope: SCOPE });
    const apiToken = tokens.access_token;
    const billingToken = (await refresh(tc, tokens.refresh_token!, { resource: OIDC_BILLING_RESOURCE })).access_token;
    await Promise.all([api.resetStats(), billing.resetStats()]);

    expect((await bearer(api, '/notes', apiToken)).status).toBe(200);
    const invoices = await bearer(billing, '/invoices', billingToken);
    expect(invoices.status).toBe(200);
    expect(await invoices.json()).toEqual([expect.objectContaining({ id: 'inv-1-1', customer: 'demo@example.com' }), expect.objectContaining({ id: 'inv-1-2' })]);
    // The wrong token at each API: refused.
    const wrongAtBilling = await bearer(billing, '/invoices', apiToken);
    expect(wrongAtBilling.status).toBe(401);
    expect(await wrongAtBilling.json()).toMatchObject({ code: 'invalid_token' });
    expect((await bearer(api, '/notes', billingToken)).status).toBe(401);

    const atBilling = (await billing.stats()).received_tokens;
    expect(atBilling).toEqual([
      expect.objectContaining({ sha256: tokenHash(billingToken), aud: OIDC_BILLING_RESOURCE, scheme: 'Bearer', path: '/invoices', accepted: true }),
      expect.objectContaining({ sha256: tokenHash(apiToken), aud: OIDC_API_RESOURCE, accepted: false }),
    ]);
    const atApi = (await api.stats()).received_tokens;
    expect(atApi.map((t) => [t.sha256, t.accepted])).toEqual([
      [tokenHash(apiToken), true],
      [tokenHash(billingToken), false],
    ]);
  });

  it("the billing API has none of the example API's routes and accepts none of its own tokens", async () => {
    const own = await api.login('demo@example.com', 'demo-password');
    expect((await bearer(billing, '/invoices', own.access_token)).status).toBe(401);
    for (const path of ['/notes', '/auth/me', '/payments']) expect((await bearer(billing, path, own.access_token)).status, path).toBe(404);
    expect(await (await fetch(`${billing.url}/health`)).json()).toEqual({ ok: true, role: 'billing' });
  });

  it('refuses a refresh for an API the sign-in did not ask for, and an unknown or exchange-only API at sign-in', async () => {
    const { tokens } = await signIn(tc); // no resource: the example API only
    expect(decodeJwt(tokens.access_token).aud).toBe(OIDC_API_RESOURCE);
    await expect(refresh(tc, tokens.refresh_token!, { resource: OIDC_BILLING_RESOURCE })).rejects.toMatchObject({ error: 'invalid_target' });
    for (const resource of ['urn:bffkit:unknown-api', OIDC_PARTNER_RESOURCE]) {
      const url = new URL(tc.as.authorization_endpoint!);
      for (const [k, v] of Object.entries({ client_id: OIDC_CLIENT.id, response_type: 'code', redirect_uri: tc.redirectUri, scope: 'openid', resource, state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })) url.searchParams.set(k, v);
      const { callback } = await authorizeAtProvider(url, { redirectUri: tc.redirectUri });
      expect(callback.searchParams.get('error'), resource).toBe('invalid_target');
    }
  });
});

describe('token exchange (RFC 8693)', () => {
  let subject: string;
  beforeAll(async () => {
    subject = (await signIn(tc)).tokens.access_token;
  });

  it('advertises the grant type', () => {
    expect(tc.as.grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT);
  });

  it('exchanges the example API token for a billing token: same user, same sign-in level, only the billing audience', async () => {
    await idp.resetStats();
    const { status, body } = await exchange({ subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE });
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.any(String), issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: expect.any(Number), scope: 'billing' });
    const original = decodeJwt(subject);
    const exchanged = decodeJwt(body.access_token as string);
    expect(exchanged).toMatchObject({ iss: idp.issuer, aud: OIDC_BILLING_RESOURCE, sub: original.sub, client_id: OIDC_CLIENT.id, email: 'demo@example.com', scope: 'billing' });
    expect(exchanged).toMatchObject({ acr: OIDC_ACR.pwd, amr: ['pwd'], auth_time: original.auth_time });
    expect(exchanged.jti).not.toBe(original.jti);
    expect((await bearer(billing, '/invoices', body.access_token as string)).status).toBe(200);
    expect((await bearer(api, '/notes', body.access_token as string)).status).toBe(401);
    expect(await idp.stats()).toMatchObject({ token_exchange: 1, grant_errors: 0 });
  });

  it('reaches the exchange-only partner API (named by resource, with a narrower scope), which accepts that token only', async () => {
    const { status, body } = await exchange({ subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, resource: OIDC_PARTNER_RESOURCE, scope: 'partner', requested_token_type: ACCESS_TOKEN_TYPE });
    expect(status).toBe(200);
    expect(decodeJwt(body.access_token as string)).toMatchObject({ aud: OIDC_PARTNER_RESOURCE, scope: 'partner' });
    expect((await bearer(partner, '/invoices', body.access_token as string)).status).toBe(200);
    expect((await bearer(partner, '/invoices', subject)).status).toBe(401);
  });

  it('answers bad exchanges with the RFC 8693 errors, never a token', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ ...decodeJwt(subject) }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' }).sign(privateKey);
    const cases: [string, Record<string, string | string[]>, string][] = [
      ['no subject_token', { subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE }, 'invalid_request'],
      ['no subject_token_type', { subject_token: subject, audience: OIDC_BILLING_RESOURCE }, 'invalid_request'],
      ['an ID token type', { subject_token: subject, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token', audience: OIDC_BILLING_RESOURCE }, 'invalid_request'],
      ['a forged subject token', { subject_token: forged, subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE }, 'invalid_request'],
      ['garbage', { subject_token: 'not-a-token', subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE }, 'invalid_request'],
      ['no audience', { subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE }, 'invalid_request'],
      ['an unknown audience', { subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'urn:bffkit:unknown' }, 'invalid_target'],
      ['two audiences', { subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: [OIDC_BILLING_RESOURCE, OIDC_PARTNER_RESOURCE] }, 'invalid_target'],
      ['a scope of another API', { subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE, scope: 'api' }, 'invalid_scope'],
      ['a refresh token asked for', { subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }, 'invalid_request'],
      ['an actor token', { subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE, actor_token: subject, actor_token_type: ACCESS_TOKEN_TYPE }, 'invalid_request'],
    ];
    for (const [name, params, error] of cases) {
      const { status, body } = await exchange(params);
      expect(status, name).toBe(error === 'invalid_client' ? 401 : 400);
      expect(body.error, name).toBe(error);
      expect(body.access_token, name).toBeUndefined();
    }
  });
});
