/**
 * The example provider in its FAPI 2.0 Security Profile (OIDC_PROFILE=fapi2) and the example backend
 * as a DPoP resource server, each in its own process, driven by oauth4webapi directly (no bffkit):
 * PAR + private_key_jwt + DPoP sign-in, the DPoP nonce retry, DPoP-bound calls, and the attacks each
 * side must refuse.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBackend } from '../support/backend-process';
import { cookieJar } from '../support/http';
import { INSECURE, authorize, discover, exchangeCode, exchangeRequest, refresh, signIn, withNonceRetry, type TestClient } from '../support/oauth-client';
import {
  ACCESS_TOKEN_TYPE,
  OIDC_ACR,
  OIDC_API_RESOURCE,
  OIDC_BILLING_RESOURCE,
  OIDC_CLIENT,
  OIDC_OTP_CODE,
  signOutAtProvider,
  startOidcProvider,
  startResourceServer,
  type OidcProviderProcess,
} from '../support/oidc-process';
import { freePort } from '../support/ports';

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const form = (params: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', body: new URLSearchParams(params).toString() });

let appUrl: string;
let idp: OidcProviderProcess;
let api: RunningBackend;
let tc: TestClient;

beforeAll(async () => {
  appUrl = `http://localhost:${await freePort()}`; // only registered at the provider: never requested
  // Every switch on at once, as an app under FAPI 2.0 with several APIs and step-up would run it.
  idp = await startOidcProvider({ appUrl, profile: 'fapi2', billing: true, tokenExchange: true, stepUp: true });
  api = await startResourceServer(idp);
  const key = idp.clientKey!;
  tc = { as: await discover(idp.issuer), client: { client_id: OIDC_CLIENT.id }, auth: oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }), redirectUri: `${appUrl}/api/auth/oidc/callback` };
});
afterAll(async () => {
  await api?.stop();
  await idp?.stop();
});

async function dpopKey() {
  const keys = await oauth.generateKeyPair('ES256', { extractable: true });
  return { keys, handle: oauth.DPoP(tc.client, keys), jkt: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) };
}

/** A hand-made DPoP proof, for requests oauth4webapi would never make. */
async function proof(keys: CryptoKeyPair, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keys.publicKey) })
    .sign(keys.privateKey);
}

/** A private_key_jwt client assertion signed with the registered key (claims overridable). */
async function assertion(claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: OIDC_CLIENT.id, sub: OIDC_CLIENT.id, aud: idp.issuer, jti: randomUUID(), iat: now, exp: now + 60, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: idp.clientKey!.kid })
    .sign(idp.clientKey!.privateKey);
}

async function pushed(params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const body = form({ client_id: OIDC_CLIENT.id, ...params });
  return fetch(tc.as.pushed_authorization_request_endpoint!, { method: 'POST', headers: { 'content-type': body['content-type'], ...headers }, body: body.body });
}

const pkce = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

describe('FAPI 2.0 provider profile: sign-in', () => {
  it('advertises PAR required, private_key_jwt only, DPoP, PKCE S256 and the iss response parameter', () => {
    expect(tc.as).toMatchObject({
      require_pushed_authorization_requests: true,
      pushed_authorization_request_endpoint: `${idp.issuer}/request`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      response_types_supported: ['code'],
      dpop_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
  });

  it('signs in with PAR + private_key_jwt + DPoP: iss in the callback, a DPoP-bound JWT access token, ES256 tokens', async () => {
    await idp.resetStats();
    const { handle, jkt } = await dpopKey();
    const { tokens, idToken, callback } = await signIn(tc, { par: true, dpop: handle });
    // RFC 9207: the authorization response names the issuer; FAPI 2.0 sends nothing else but code and state.
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);
    expect([...callback.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
    expect(tokens.token_type).toBe('dpop');
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ iss: idp.issuer, aud: OIDC_API_RESOURCE, client_id: OIDC_CLIENT.id, email: 'demo@example.com', cnf: { jkt } });
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('ES256');
    expect(idToken).toMatchObject({ iss: idp.issuer, sub: 'u-1001', aud: OIDC_CLIENT.id });
    expect(tokens.refresh_token).toBeTruthy();
    expect(await idp.stats()).toMatchObject({ pushed_authorization_requests: 1, authorization_code: 1, grant_errors: 0 });
  });

  it('demands a DPoP nonce at the token endpoint: use_dpop_nonce with a DPoP-Nonce header, then the retry succeeds', async () => {
    await idp.resetStats();
    const { handle } = await dpopKey();
    // PAR without DPoP: the token request is the first this key sends, so it carries no nonce yet.
    const { tokens, nonceChallenges } = await signIn(tc, { par: true, dpop: handle, parDpop: null });
    expect(nonceChallenges).toBe(1);
    expect(tokens.token_type).toBe('dpop');
    expect(await idp.stats()).toMatchObject({ use_dpop_nonce: 1, authorization_code: 1, grant_errors: 0 });

    // The challenge as sent: 400 use_dpop_nonce and the nonce to use.
    const { keys } = await dpopKey();
    const res = await fetch(tc.as.token_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await proof(keys, { htm: 'POST', htu: tc.as.token_endpoint }) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: OIDC_CLIENT.id, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion() }).toString(),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await res.json()).toMatchObject({ error: 'use_dpop_nonce' });
  });

  it('refuses an authorization request that did not go through PAR (redirecting the error with iss)', async () => {
    const direct = new URL(tc.as.authorization_endpoint!);
    for (const [k, v] of Object.entries({ client_id: OIDC_CLIENT.id, response_type: 'code', redirect_uri: tc.redirectUri, scope: 'openid', state: 's1', ...pkce })) direct.searchParams.set(k, v);
    const res = await fetch(direct, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(tc.redirectUri);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'invalid_request', error_description: 'Pushed Authorization Request must be used', state: 's1', iss: idp.issuer });
  });

  it('refuses pushed requests without client authentication, with a client secret, without PKCE, or with PKCE plain', async () => {
    const base = { response_type: 'code', redirect_uri: tc.redirectUri, scope: 'openid' };
    const auth = async () => ({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion() });
    const noAuth = await pushed({ ...base, ...pkce });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: 'invalid_client' });
    const secret = await pushed({ ...base, ...pkce }, { authorization: `Basic ${Buffer.from(`${OIDC_CLIENT.id}:${OIDC_CLIENT.secret}`).toString('base64')}` });
    expect(secret.status).toBe(401);
    const noPkce = await pushed({ ...base, ...(await auth()) });
    expect(noPkce.status).toBe(400);
    expect(await noPkce.json()).toMatchObject({ error: 'invalid_request', error_description: 'Authorization Server policy requires PKCE to be used for this request' });
    const plain = await pushed({ ...base, ...(await auth()), code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' });
    expect(plain.status).toBe(400);
    const ok = await pushed({ ...base, ...pkce, ...(await auth()) });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { request_uri: string; expires_in: number };
    expect(body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(body.expires_in).toBe(60); // FAPI 2.0: under 600 seconds
  });

  it('requires redirect_uri in the pushed request, and refuses a code used twice', async () => {
    const auth = async () => ({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion() });
    const noRedirect = await pushed({ response_type: 'code', scope: 'openid', ...pkce, ...(await auth()) });
    expect(noRedirect.status).toBe(400);
    expect(await noRedirect.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('redirect_uri') });

    const { handle } = await dpopKey();
    const code = await authorize(tc, { par: true, dpop: handle });
    expect((await exchangeCode(tc, code, { dpop: handle })).value.access_token).toBeTruthy();
    await expect(exchangeCode(tc, code, { dpop: handle })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a client assertion whose aud is the token endpoint rather than the issuer (FAPI 2.0), and a replayed one', async () => {
    const base = { response_type: 'code', redirect_uri: tc.redirectUri, scope: 'openid', ...pkce, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' };
    const wrongAud = await pushed({ ...base, client_assertion: await assertion({ aud: tc.as.token_endpoint }) });
    expect(wrongAud.status).toBe(401);
    expect(await wrongAud.json()).toMatchObject({ error: 'invalid_client' });
    const once = await assertion();
    expect((await pushed({ ...base, client_assertion: once })).status).toBe(201);
    expect((await pushed({ ...base, client_assertion: once })).status).toBe(401);
  });

  it('refuses a token request without a DPoP proof, and one with another key than the code is bound to (dpop_jkt)', async () => {
    const bound = await dpopKey();
    const other = await dpopKey();
    // oidc-provider keeps the reason out of the answer ("grant request is invalid"); each case differs from a
    // working sign-in in one thing only. Without a proof: the client gets DPoP-bound tokens only.
    await expect(signIn(tc, { par: true })).rejects.toMatchObject({ error: 'invalid_grant', error_description: 'grant request is invalid' });
    expect((await idp.stats()).last_grant_error).toBe('invalid_grant: DPoP proof JWT not provided');
    // PAR with one key, token request with another: the code is bound to the first.
    await expect(signIn(tc, { par: true, parDpop: bound.handle, dpop: other.handle })).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await idp.stats()).last_grant_error).toBe('invalid_grant: DPoP proof key thumbprint does not match dpop_jkt');
  });
});

describe('FAPI 2.0 provider profile: refresh and logout', () => {
  it('refreshes with DPoP without rotation (FAPI 2.0): the same refresh token comes back and still works', async () => {
    const { handle, jkt } = await dpopKey();
    const { tokens } = await signIn(tc, { par: true, dpop: handle });
    const first = await refresh(tc, tokens.refresh_token!, { dpop: handle });
    expect(first.token_type).toBe('dpop');
    expect(decodeJwt(first.access_token).cnf).toEqual({ jkt });
    expect(first.refresh_token).toBe(tokens.refresh_token);
    const second = await refresh(tc, tokens.refresh_token!, { dpop: handle });
    expect(second.access_token).not.toBe(first.access_token);
  });

  it('binds the refreshed access token to the key of the refresh request: a confidential client\'s refresh token is not key-bound', async () => {
    const { handle } = await dpopKey();
    const { tokens } = await signIn(tc, { par: true, dpop: handle });
    const other = await dpopKey();
    const moved = await refresh(tc, tokens.refresh_token!, { dpop: other.handle });
    expect(decodeJwt(moved.access_token).cnf).toEqual({ jkt: other.jkt });
    // Without a proof the refresh is refused (the client registered dpop_bound_access_tokens).
    await expect(refresh(tc, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await idp.stats()).last_grant_error).toBe('invalid_grant: DPoP proof JWT not provided');
  });

  it('ends the provider session by RP-initiated logout with the ID token hint', async () => {
    const idpJar = cookieJar();
    const { tokens } = await signIn(tc, { par: true, dpop: (await dpopKey()).handle, idpJar });
    const end = new URL(tc.as.end_session_endpoint!);
    end.searchParams.set('id_token_hint', tokens.id_token!);
    end.searchParams.set('post_logout_redirect_uri', `${appUrl}/`);
    const done = await signOutAtProvider(end.href, idpJar);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${appUrl}/`);
  });
});

describe('FAPI 2.0 provider profile: token exchange and step-up with DPoP', () => {
  it('exchanges a DPoP-bound token for a billing token bound to the key of the exchange request', async () => {
    const { handle, jkt } = await dpopKey();
    const { tokens } = await signIn(tc, { par: true, dpop: handle });
    const { value } = await withNonceRetry(async () =>
      oauth.processGenericTokenEndpointResponse(tc.as, tc.client, await exchangeRequest(tc, { subject_token: tokens.access_token, subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE }, { dpop: handle })),
    );
    expect(value).toMatchObject({ token_type: 'dpop', issued_token_type: ACCESS_TOKEN_TYPE, scope: 'billing' });
    expect(decodeJwt(value.access_token)).toMatchObject({ aud: OIDC_BILLING_RESOURCE, cnf: { jkt }, acr: OIDC_ACR.pwd });
    // Without a proof: refused, this client gets DPoP-bound tokens only.
    const plain = await exchangeRequest(tc, { subject_token: tokens.access_token, subject_token_type: ACCESS_TOKEN_TYPE, audience: OIDC_BILLING_RESOURCE });
    expect(plain.status).toBe(400);
    expect(await plain.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers a payment with a pwd-level DPoP token with the step-up challenge in the DPoP scheme, and accepts the mfa one', async () => {
    const { handle } = await dpopKey();
    const pay = (token: string) =>
      oauth.protectedResourceRequest(token, 'POST', new URL(`${api.url}/payments`), new Headers({ 'content-type': 'application/json' }), JSON.stringify({ to: 'ACME Ltd', amount: 100 }), { DPoP: handle, ...INSECURE });
    const pwd = await signIn(tc, { par: true, dpop: handle });
    const refused = await pay(pwd.tokens.access_token).catch((e: unknown) => e as oauth.WWWAuthenticateChallengeError);
    expect(refused).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = (refused as oauth.WWWAuthenticateChallengeError).cause[0]!;
    expect(challenge).toMatchObject({ scheme: 'dpop', parameters: { error: 'insufficient_user_authentication', acr_values: OIDC_ACR.mfa, max_age: '300' } });
    const mfa = await signIn(tc, { par: true, dpop: handle, acrValues: OIDC_ACR.mfa, otp: OIDC_OTP_CODE });
    const paid = await pay(mfa.tokens.access_token);
    expect(paid.status).toBe(201);
  });
});

describe('the example backend as a DPoP resource server', () => {
  let handle: oauth.DPoPHandle;
  let keys: CryptoKeyPair;
  let accessToken: string;
  beforeAll(async () => {
    ({ handle, keys } = await dpopKey());
    accessToken = (await signIn(tc, { par: true, dpop: handle })).tokens.access_token;
  });

  const call = (path: string, headers: Record<string, string>, method = 'GET') => fetch(`${api.url}${path}`, { method, headers });
  const meProof = (claims: Record<string, unknown> = {}) => proof(keys, { htm: 'GET', htu: `${api.url}/auth/me`, ath: sha256(accessToken), ...claims });

  it('accepts the DPoP-bound token with a proof made by oauth4webapi, and records what it received', async () => {
    await api.resetStats();
    const me = await oauth.protectedResourceRequest(accessToken, 'GET', new URL(`${api.url}/auth/me`), new Headers(), null, { DPoP: handle, ...INSECURE });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'demo@example.com' });
    const notes = await oauth.protectedResourceRequest(accessToken, 'GET', new URL(`${api.url}/notes?limit=1`), new Headers(), null, { DPoP: handle, ...INSECURE });
    expect(notes.status).toBe(200);
    const stats = await api.stats();
    expect(stats).toMatchObject({ dpop_requests: 2, dpop_rejections: 0 });
    expect(stats.received_tokens).toEqual([
      expect.objectContaining({ sha256: sha256(accessToken), scheme: 'DPoP', path: '/auth/me', aud: OIDC_API_RESOURCE, accepted: true }),
      expect.objectContaining({ sha256: sha256(accessToken), scheme: 'DPoP', path: '/notes', accepted: true }),
    ]);
  });

  it('refuses the stolen token sent as a plain Bearer token', async () => {
    const res = await call('/auth/me', { authorization: `Bearer ${accessToken}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('DPoP error="invalid_token", error_description="The access token is DPoP-bound", algs="ES256 PS256 EdDSA Ed25519"');
    expect(await res.json()).toMatchObject({ code: 'invalid_token' });
  });

  it('refuses the token with the DPoP scheme but no proof, or with a proof signed by a thief\'s key', async () => {
    const none = await call('/auth/me', { authorization: `DPoP ${accessToken}` });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="[^"]+", algs="ES256 PS256 EdDSA Ed25519"$/);
    expect(await none.json()).toMatchObject({ code: 'invalid_dpop_proof' });
    const thief = await oauth.generateKeyPair('ES256', { extractable: true });
    const stolen = await call('/auth/me', { authorization: `DPoP ${accessToken}`, dpop: await proof(thief, { htm: 'GET', htu: `${api.url}/auth/me`, ath: sha256(accessToken) }) });
    expect(stolen.status).toBe(401);
    expect(await stolen.json()).toMatchObject({ code: 'invalid_dpop_proof', message: expect.stringContaining('cnf.jkt') });
  });

  it('refuses a replayed proof, a proof for another URL or method, a stale one, and one for another token', async () => {
    const ok = await meProof();
    expect((await call('/auth/me', { authorization: `DPoP ${accessToken}`, dpop: ok })).status).toBe(200);
    const attacks: [string, Record<string, string>, string][] = [
      ['replayed', { authorization: `DPoP ${accessToken}`, dpop: ok }, 'jti'],
      ['another URL', { authorization: `DPoP ${accessToken}`, dpop: await proof(keys, { htm: 'GET', htu: `${api.url}/notes`, ath: sha256(accessToken) }) }, 'htu'],
      ['another host', { authorization: `DPoP ${accessToken}`, dpop: await proof(keys, { htm: 'GET', htu: `http://api.example.com/auth/me`, ath: sha256(accessToken) }) }, 'htu'],
      ['another method', { authorization: `DPoP ${accessToken}`, dpop: await meProof({ htm: 'POST' }) }, 'htm'],
      ['stale', { authorization: `DPoP ${accessToken}`, dpop: await meProof({ iat: Math.floor(Date.now() / 1000) - 120 }) }, 'iat'],
      ['another token', { authorization: `DPoP ${accessToken}`, dpop: await meProof({ ath: sha256('another-token') }) }, 'ath'],
    ];
    for (const [name, headers, what] of attacks) {
      const res = await call('/auth/me', headers);
      expect(res.status, name).toBe(401);
      expect(await res.json(), name).toMatchObject({ code: 'invalid_dpop_proof', message: expect.stringContaining(what) });
    }
    // The proof for /auth/me, sent to /notes: refused there too.
    const moved = await call('/notes', { authorization: `DPoP ${accessToken}`, dpop: await meProof() });
    expect(moved.status).toBe(401);
  });
});

describe('DPoP nonces everywhere (OIDC_DPOP_NONCE=all, DPOP_NONCE=1)', () => {
  let strictIdp: OidcProviderProcess;
  let strictApi: RunningBackend;
  let strict: TestClient;
  beforeAll(async () => {
    strictIdp = await startOidcProvider({ appUrl, profile: 'fapi2', dpopNonce: 'all' });
    strictApi = await startResourceServer(strictIdp, { dpopNonce: true });
    const key = strictIdp.clientKey!;
    strict = { ...tc, as: await discover(strictIdp.issuer), auth: oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }) };
  });
  afterAll(async () => {
    await strictApi?.stop();
    await strictIdp?.stop();
  });

  it('challenges PAR once (the nonce then serves the token request), and the resource server once', async () => {
    const keys = await oauth.generateKeyPair('ES256', { extractable: true });
    const handle = oauth.DPoP(strict.client, keys);
    const { tokens, nonceChallenges } = await signIn(strict, { par: true, dpop: handle });
    expect(nonceChallenges).toBe(1);
    expect(await strictIdp.stats()).toMatchObject({ use_dpop_nonce: 1, pushed_authorization_requests: 1 });

    const url = new URL(`${strictApi.url}/auth/me`);
    const first = await oauth.protectedResourceRequest(tokens.access_token, 'GET', url, new Headers(), null, { DPoP: handle, ...INSECURE }).catch((e: unknown) => e);
    expect(oauth.isDPoPNonceError(first)).toBe(true);
    const challenge = (first as oauth.WWWAuthenticateChallengeError).response;
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce", /);
    expect(challenge.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const retry = await oauth.protectedResourceRequest(tokens.access_token, 'GET', url, new Headers(), null, { DPoP: handle, ...INSECURE });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('dpop-nonce')).toBe(challenge.headers.get('dpop-nonce'));
  });
});
