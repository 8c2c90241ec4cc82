/**
 * The redirect half of the OpenID Connect adapter: starting a sign-in (PKCE S256, state, nonce,
 * pushed authorization request, DPoP key binding, step-up level) and completing it at the callback
 * (RFC 9207 `iss`, the code exchange with DPoP, ID token validation, the authentication level).
 */
import * as oauth from 'oauth4webapi';
import { generateDpopKey, packDpopKey, unpackDpopKey } from '../../dpop/keys';
import type { AuthLevel } from '../../types';
import type { BackendResult, LoginCompletion, LoginRedirect, LoginTransaction } from '../adapter';
import { failureOf } from './outcome';
import { withNonceRetry, type OidcRuntime } from './runtime';
import { fromTokenEndpoint, resourceParams } from './tokens';

/** What a step-up (or any) sign-in may ask for beyond the configured parameters. */
export interface StartLoginInput {
  redirectUri: string;
  acrValues?: readonly string[];
  maxAge?: number;
}

/**
 * Starts a sign-in: the authorization URL (with only `client_id` and `request_uri` when the request
 * was pushed) and the transaction to keep until the callback.
 *
 * @example
 * const started = await startLogin(rt, { redirectUri, acrValues: ['urn:bffkit:acr:mfa'] });
 */
export function startLogin(rt: OidcRuntime, input: StartLoginInput): Promise<BackendResult<LoginRedirect>> {
  const { o } = rt;
  return rt.withAs(async (as): Promise<LoginRedirect> => {
    if (!as.authorization_endpoint) throw new Error('no authorization_endpoint');
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const verifier = oauth.generateRandomCodeVerifier();
    const transaction: LoginTransaction = { state, nonce, verifier, iss: o.issuer.href };
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(o.extraParams)) for (const one of [v].flat()) params.append(k, one);
    params.set('redirect_uri', input.redirectUri);
    params.set('response_type', 'code');
    params.set('scope', o.scope);
    params.set('state', state);
    params.set('nonce', nonce);
    params.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    params.set('code_challenge_method', 'S256');
    if (input.acrValues?.length) {
      params.set('acr_values', input.acrValues.join(' '));
      transaction.acr = input.acrValues.join(' ');
    }
    if (input.maxAge !== undefined) {
      params.set('max_age', String(input.maxAge));
      transaction.maxAge = String(input.maxAge);
    }
    // The session's DPoP key is made now, so the code is bound to it (RFC 9449 section 10): a pushed
    // request proves it (dpop_jkt from the proof), a plain one names its thumbprint.
    const dpopKey = o.dpop ? await generateDpopKey() : undefined;
    const dpop = await rt.dpop(dpopKey);
    if (dpopKey) transaction.dpop = packDpopKey(dpopKey);
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set('client_id', o.clientId);
    const push = o.par === true || (o.par === 'auto' && as.pushed_authorization_request_endpoint !== undefined);
    if (push) {
      const auth = await rt.clientAuth();
      const pushed = await withNonceRetry(async () =>
        oauth.processPushedAuthorizationResponse(as, rt.client, await oauth.pushedAuthorizationRequest(as, rt.client, auth, params, { ...rt.http(), ...dpop })),
      );
      url.searchParams.set('request_uri', pushed.request_uri);
    } else {
      if (dpop.DPoP) params.set('dpop_jkt', await dpop.DPoP.calculateThumbprint());
      for (const [k, v] of params) url.searchParams.append(k, v);
    }
    return { url, transaction };
  }, 'unavailable');
}

/**
 * Completes a sign-in at the callback: `state` and `iss` (RFC 9207 mix-up defence, and the
 * transaction must have been started for this issuer), then the code exchange with PKCE (and DPoP,
 * one nonce retry), the ID token (signature, nonce, `auth_time` against the asked `max_age`).
 *
 * @example
 * const result = await completeLogin(rt, { callbackUrl, redirectUri, transaction });
 */
export async function completeLogin(
  rt: OidcRuntime,
  { callbackUrl, redirectUri, transaction }: { callbackUrl: URL; redirectUri: string; transaction: LoginTransaction },
): Promise<LoginCompletion> {
  const { o } = rt;
  const as = await rt.metadata();
  if (!as.ok) return { ok: false, reason: as.reason === 'timeout' ? 'timeout' : 'unavailable', ...(as.problem ? { problem: as.problem } : {}) };
  const { state, nonce, verifier } = transaction;
  if (!nonce || !verifier) return { ok: false, reason: 'invalid' };
  // A transaction started for another issuer (another bffkit instance sharing the secret): mix-up.
  if (transaction.iss !== undefined && transaction.iss !== o.issuer.href) return { ok: false, reason: 'invalid' };
  const dpopKey = transaction.dpop === undefined ? undefined : unpackDpopKey(transaction.dpop);
  if (dpopKey === null || (o.dpop && !dpopKey)) return { ok: false, reason: 'invalid' };
  const maxAge = transaction.maxAge === undefined ? undefined : Number(transaction.maxAge);
  let params: URLSearchParams;
  try {
    // state (exact), `iss` (required when the provider advertises it, which FAPI demands), then `error`.
    params = oauth.validateAuthResponse(as.value, rt.client, callbackUrl, state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      return { ok: false, reason: 'denied', error: error.error === 'access_denied' ? 'access_denied' : 'provider_error' };
    }
    return { ok: false, reason: 'invalid' };
  }
  try {
    const auth = await rt.clientAuth();
    const dpop = await rt.dpop(dpopKey);
    const now = rt.clock();
    const { answer } = await withNonceRetry(async () => {
      const response = await oauth.authorizationCodeGrantRequest(as.value, rt.client, auth, params, redirectUri, verifier, { ...rt.http(), ...resourceParams(o), ...dpop });
      const processed = await oauth.processAuthorizationCodeResponse(as.value, rt.client, response, { expectedNonce: nonce, requireIdToken: true, ...(maxAge !== undefined ? { maxAge } : {}) });
      return { answer: processed, response };
    }).then(async (r) => {
      // Why check the signature although the token came over TLS: defence in depth against a
      // compromised or misrouted token endpoint, and it refuses `alg: none` outright.
      await oauth.validateApplicationLevelSignature(as.value, r.response, rt.http());
      return r;
    });
    const tokens = fromTokenEndpoint(answer, now);
    // FAPI 2.0 allows sender-constrained tokens only: a Bearer answer to a DPoP request is refused.
    if (o.fapi && tokens.tokenType !== 'DPoP') return { ok: false, reason: 'invalid' };
    const claims = oauth.getValidatedIdTokenClaims(answer)!;
    return { ok: true, value: tokens, ...(dpopKey ? { dpopKey } : {}), auth: authLevel(claims) };
  } catch (error) {
    const failure = failureOf(error);
    // A refused code (replayed, expired, PKCE mismatch) is as invalid as a bad ID token: 400.
    return { ok: false, reason: failure === 'rejected' || failure === 'invalid' ? 'invalid' : failure };
  }
}

/** The authentication level of a validated ID token: only well-typed claims are kept. */
function authLevel(claims: oauth.IDToken): AuthLevel {
  const auth: AuthLevel = {};
  if (typeof claims.acr === 'string') auth.acr = claims.acr;
  if (Array.isArray(claims.amr) && claims.amr.every((m) => typeof m === 'string')) auth.amr = claims.amr.slice(0, 32);
  if (typeof claims.auth_time === 'number' && Number.isSafeInteger(claims.auth_time) && claims.auth_time >= 0) auth.authTime = claims.auth_time;
  return auth;
}
