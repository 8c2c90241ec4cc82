/**
 * Step-up at the example provider (`acr_values`, `max_age`; OIDC_STEP_UP=1) and at the example API
 * (RFC 9470 `insufficient_user_authentication` on `POST /payments`), each in its own process, driven by
 * oauth4webapi directly (no bffkit): a password sign-in is refused, the same user stepped up with the
 * one-time code is accepted.
 */
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBackend } from '../support/backend-process';
import { cookieJar } from '../support/http';
import { discover, refresh, signIn, type TestClient } from '../support/oauth-client';
import { OIDC_ACR, OIDC_CLIENT, OIDC_OTP_CODE, authorizeAtProvider, startOidcProvider, startResourceServer, type OidcProviderProcess } from '../support/oidc-process';
import { freePort } from '../support/ports';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CHALLENGE_LEVEL = 'Bearer error="insufficient_user_authentication", error_description="A stronger sign-in is required for payments", acr_values="urn:bffkit:acr:mfa", max_age="300"';

let idp: OidcProviderProcess;
let api: RunningBackend;
let tc: TestClient;

beforeAll(async () => {
  const appUrl = `http://localhost:${await freePort()}`;
  idp = await startOidcProvider({ appUrl, stepUp: true });
  api = await startResourceServer(idp);
  tc = { as: await discover(idp.issuer), client: { client_id: OIDC_CLIENT.id }, auth: oauth.ClientSecretBasic(OIDC_CLIENT.secret), redirectUri: `${appUrl}/api/auth/oidc/callback` };
});
afterAll(async () => {
  await api?.stop();
  await idp?.stop();
});

/** A plain (not pushed) authorization URL asking for `acr_values`, for walks that look at the pages shown. */
async function mfaAuthorizationUrl(): Promise<URL> {
  const u = new URL(tc.as.authorization_endpoint!);
  const challenge = await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier());
  const params = { client_id: OIDC_CLIENT.id, response_type: 'code', redirect_uri: tc.redirectUri, scope: 'openid', acr_values: OIDC_ACR.mfa, state: 's', code_challenge: challenge, code_challenge_method: 'S256' };
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u;
}

function pay(token: string, base: RunningBackend = api): Promise<Response> {
  return fetch(`${base.url}/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'ACME Ltd', amount: 4200 }),
  });
}

describe('the provider: acr_values with two levels', () => {
  it('advertises both levels', () => {
    expect(tc.as.acr_values_supported).toEqual([OIDC_ACR.pwd, OIDC_ACR.mfa]);
  });

  it('a password sign-in reaches the pwd level: acr, amr and auth_time in the ID token and the access token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { tokens, idToken } = await signIn(tc);
    expect(idToken).toMatchObject({ acr: OIDC_ACR.pwd, amr: ['pwd'], auth_time: expect.any(Number) });
    expect(idToken.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ acr: OIDC_ACR.pwd, amr: ['pwd'], auth_time: idToken.auth_time });
  });

  it('steps an existing session up with the one-time code only (no password again), reaching mfa', async () => {
    const idpJar = cookieJar();
    const first = await signIn(tc, { idpJar });
    // Which pages the provider shows: the one-time code, not the password.
    const walk = await authorizeAtProvider(await mfaAuthorizationUrl(), { redirectUri: tc.redirectUri, idpJar, otp: OIDC_OTP_CODE });
    expect(walk.visited.some((u) => u.endsWith('/otp'))).toBe(true);
    expect(walk.visited.some((u) => u.endsWith('/login'))).toBe(false);
    expect(walk.callback.searchParams.get('code')).toBeTruthy();

    const stepped = await signIn(tc, { idpJar, acrValues: OIDC_ACR.mfa, otp: OIDC_OTP_CODE });
    expect(stepped.idToken).toMatchObject({ sub: first.idToken.sub, acr: OIDC_ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
    expect(stepped.idToken.auth_time).toBeGreaterThanOrEqual(first.idToken.auth_time!);
    expect(decodeJwt(stepped.tokens.access_token)).toMatchObject({ acr: OIDC_ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
    // Once at mfa, the session satisfies both levels without asking again.
    const again = await signIn(tc, { idpJar, acrValues: OIDC_ACR.mfa });
    expect(again.idToken.acr).toBe(OIDC_ACR.mfa);
  });

  it('asks a new browser for the password and then the code; a wrong code is asked again', async () => {
    const idpJar = cookieJar();
    await expect(authorizeAtProvider(await mfaAuthorizationUrl(), { redirectUri: tc.redirectUri, idpJar, login: { email: 'demo@example.com', password: 'demo-password' }, otp: '000000' })).rejects.toThrow(/Wrong code/);
    const fresh = await signIn(tc, { acrValues: OIDC_ACR.mfa, otp: OIDC_OTP_CODE });
    expect(fresh.idToken).toMatchObject({ acr: OIDC_ACR.mfa });
  });

  it('honours max_age: a session older than max_age signs in with the password again', async () => {
    const idpJar = cookieJar();
    const first = await signIn(tc, { idpJar });
    // Within max_age: single sign-on, no password page.
    const sso = await signIn(tc, { idpJar, maxAge: 60, login: { email: 'nobody@example.com', password: 'wrong' } });
    expect(sso.idToken.auth_time).toBe(first.idToken.auth_time);
    await sleep(2100);
    // Past max_age: the password page again (a wrong password would fail here), and a new auth_time.
    await expect(signIn(tc, { idpJar, maxAge: 1, login: { email: 'nobody@example.com', password: 'wrong' } })).rejects.toThrow(/Invalid email or password/);
    const later = await signIn(tc, { idpJar, maxAge: 1 });
    expect(later.idToken.auth_time).toBeGreaterThan(first.idToken.auth_time!);
  });

  it('keeps the level through refresh', async () => {
    const { tokens } = await signIn(tc, { acrValues: OIDC_ACR.mfa, otp: OIDC_OTP_CODE });
    const fresh = await refresh(tc, tokens.refresh_token!);
    expect(decodeJwt(fresh.access_token)).toMatchObject({ acr: OIDC_ACR.mfa, auth_time: decodeJwt(tokens.access_token).auth_time });
  });
});

describe('the API: POST /payments needs mfa within max_age (RFC 9470)', () => {
  it('refuses a pwd-level token with the insufficient_user_authentication challenge', async () => {
    const { tokens } = await signIn(tc);
    await api.resetStats();
    const res = await pay(tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE_LEVEL);
    expect(await res.json()).toEqual({
      code: 'insufficient_user_authentication',
      message: 'A stronger sign-in is required for payments.',
      acr_values: OIDC_ACR.mfa,
      max_age: 300,
    });
    expect((await api.stats()).step_up_challenges).toBe(1);
    // The same token still works where no step-up is needed.
    expect((await fetch(`${api.url}/notes`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
  });

  it('accepts an mfa-level token obtained with acr_values, and validates the payment', async () => {
    const { tokens } = await signIn(tc, { acrValues: OIDC_ACR.mfa, otp: OIDC_OTP_CODE });
    const res = await pay(tokens.access_token);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: expect.any(String), to: 'ACME Ltd', amount: 4200, status: 'accepted', acr: OIDC_ACR.mfa });
    const bad = await fetch(`${api.url}/payments`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: 'x', amount: -1 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses an mfa token whose sign-in is older than max_age, naming recency', async () => {
    const strict = await startResourceServer(idp, { env: { STEP_UP_MAX_AGE: '1' } });
    try {
      const { tokens } = await signIn(tc, { acrValues: OIDC_ACR.mfa, otp: OIDC_OTP_CODE });
      await sleep(2100);
      const res = await pay(tokens.access_token, strict);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_user_authentication", error_description="A more recent sign-in is required for payments", acr_values="urn:bffkit:acr:mfa", max_age="1"');
    } finally {
      await strict.stop();
    }
  });

  it('is not fooled by a forged acr claim: an mfa token signed by another key is invalid', async () => {
    const { tokens } = await signIn(tc);
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodeJwt(tokens.access_token);
    const forged = await new SignJWT({ ...claims, acr: OIDC_ACR.mfa, auth_time: Math.floor(Date.now() / 1000) }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' }).sign(privateKey);
    const res = await pay(forged);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'invalid_token' });
  });

  it("refuses the backend's own tokens (which carry no acr) with the same challenge", async () => {
    const own = await api.login('demo@example.com', 'demo-password');
    const res = await pay(own.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE_LEVEL);
  });
});
