/**
 * A client of the example provider built straight on oauth4webapi (not bffkit), so the provider and
 * the resource servers can be tested on their own: discovery, PAR, the authorization walk, the code
 * exchange, refresh, token exchange, with DPoP and one retry on a `use_dpop_nonce` answer.
 */
import * as oauth from 'oauth4webapi';
import { authorizeAtProvider } from './oidc-process';
import type { CookieJar } from './http';

/** Every request goes to http://localhost in tests. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

/** The provider's metadata. */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, INSECURE));
}

/**
 * Runs `attempt`; when it fails with `use_dpop_nonce` (the DPoP handle has cached the nonce from that
 * answer), runs it once more. Answers the result and how many nonce challenges were met.
 *
 * @example
 * const { value, challenges } = await withNonceRetry(async () => oauth.processAuthorizationCodeResponse(as, client, await send()));
 */
export async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<{ value: T; challenges: number }> {
  try {
    return { value: await attempt(), challenges: 0 };
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return { value: await attempt(), challenges: 1 };
  }
}

/** One client registration as the tests use it. */
export interface TestClient {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  redirectUri: string;
}

/** Options of {@link signIn}. */
export interface SignInOptions {
  /** Push the request (PAR) and send only `client_id` and `request_uri` to the authorization endpoint. */
  par?: boolean;
  /** DPoP for the token request (and for PAR, unless `parDpop` says otherwise). */
  dpop?: oauth.DPoPHandle;
  /**
   * The DPoP key PAR proves, which binds the code to it (`dpop_jkt`, RFC 9449 section 10): null for
   * none. @default dpop
   */
  parDpop?: oauth.DPoPHandle | null;
  scope?: string;
  resource?: string[];
  acrValues?: string;
  maxAge?: number;
  /** Extra authorization parameters. */
  params?: Record<string, string>;
  login?: { email: string; password: string };
  otp?: string;
  /** The provider's cookies (keep one to stay signed in at the provider, for single sign-on and step-up). */
  idpJar?: CookieJar;
}

/** What {@link signIn} got. */
export interface SignInResult {
  tokens: oauth.TokenEndpointResponse;
  idToken: oauth.IDToken;
  /** The authorization response the provider redirected to. */
  callback: URL;
  /** `use_dpop_nonce` answers met on the way (PAR + token request). */
  nonceChallenges: number;
}

/** An authorization response the client validated, and what it needs to exchange the code. */
export interface Authorized {
  /** The redirect the provider answered with (`code`, `state`, `iss`). */
  callback: URL;
  /** The validated parameters (oauth4webapi checked `state` and `iss`). */
  params: URLSearchParams;
  verifier: string;
  nonce: string;
  /** `use_dpop_nonce` answers met at PAR. */
  nonceChallenges: number;
}

/**
 * The front half of a sign-in: (PAR,) the authorization walk, and the callback validated (`state`,
 * `iss` per RFC 9207).
 *
 * @example
 * const auth = await authorize(tc, { par: true });
 */
export async function authorize(tc: TestClient, opts: SignInOptions = {}): Promise<Authorized> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const params = new URLSearchParams({
    response_type: 'code',
    redirect_uri: tc.redirectUri,
    scope: opts.scope ?? 'openid email profile',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(opts.acrValues ? { acr_values: opts.acrValues } : {}),
    ...(opts.maxAge !== undefined ? { max_age: String(opts.maxAge) } : {}),
    ...opts.params,
  });
  for (const r of opts.resource ?? []) params.append('resource', r);

  let challenges = 0;
  const parDpop = opts.parDpop === undefined ? opts.dpop : opts.parDpop;
  const url = new URL(tc.as.authorization_endpoint!);
  url.searchParams.set('client_id', tc.client.client_id);
  if (opts.par) {
    const pushed = await withNonceRetry(async () =>
      oauth.processPushedAuthorizationResponse(tc.as, tc.client, await oauth.pushedAuthorizationRequest(tc.as, tc.client, tc.auth, params, { ...INSECURE, ...(parDpop ? { DPoP: parDpop } : {}) })),
    );
    challenges += pushed.challenges;
    url.searchParams.set('request_uri', pushed.value.request_uri);
  } else {
    for (const [k, v] of params) url.searchParams.append(k, v);
  }

  const { callback } = await authorizeAtProvider(url, {
    redirectUri: tc.redirectUri,
    login: opts.login ?? { email: 'demo@example.com', password: 'demo-password' },
    ...(opts.otp ? { otp: opts.otp } : {}),
    ...(opts.idpJar ? { idpJar: opts.idpJar } : {}),
  });
  return { callback, params: oauth.validateAuthResponse(tc.as, tc.client, callback, state), verifier, nonce, nonceChallenges: challenges };
}

/**
 * The back half: the code exchanged with PKCE (and DPoP), one nonce retry, the ID token validated.
 *
 * @example
 * const { value: tokens } = await exchangeCode(tc, await authorize(tc), { dpop });
 */
export function exchangeCode(tc: TestClient, auth: Authorized, opts: Pick<SignInOptions, 'dpop' | 'maxAge'> = {}): Promise<{ value: oauth.TokenEndpointResponse; challenges: number }> {
  return withNonceRetry(async () =>
    oauth.processAuthorizationCodeResponse(
      tc.as,
      tc.client,
      await oauth.authorizationCodeGrantRequest(tc.as, tc.client, tc.auth, auth.params, tc.redirectUri, auth.verifier, { ...INSECURE, ...(opts.dpop ? { DPoP: opts.dpop } : {}) }),
      { expectedNonce: auth.nonce, ...(opts.maxAge !== undefined ? { maxAge: opts.maxAge } : {}) },
    ),
  );
}

/**
 * Signs a user in through the provider as `client`: {@link authorize} then {@link exchangeCode}.
 *
 * @example
 * const { tokens } = await signIn(tc, { par: true, dpop, login: DEMO });
 */
export async function signIn(tc: TestClient, opts: SignInOptions = {}): Promise<SignInResult> {
  const auth = await authorize(tc, opts);
  const exchanged = await exchangeCode(tc, auth, opts);
  return { tokens: exchanged.value, idToken: oauth.getValidatedIdTokenClaims(exchanged.value)!, callback: auth.callback, nonceChallenges: auth.nonceChallenges + exchanged.challenges };
}

/**
 * A refresh-token grant (with `resource` when given), one nonce retry.
 *
 * @example
 * const fresh = await refresh(tc, tokens.refresh_token!, { resource: OIDC_BILLING_RESOURCE });
 */
export async function refresh(tc: TestClient, refreshToken: string, opts: { dpop?: oauth.DPoPHandle; resource?: string } = {}): Promise<oauth.TokenEndpointResponse> {
  const { value } = await withNonceRetry(async () =>
    oauth.processRefreshTokenResponse(
      tc.as,
      tc.client,
      await oauth.refreshTokenGrantRequest(tc.as, tc.client, tc.auth, refreshToken, {
        ...INSECURE,
        ...(opts.dpop ? { DPoP: opts.dpop } : {}),
        ...(opts.resource ? { additionalParameters: { resource: opts.resource } } : {}),
      }),
    ),
  );
  return value;
}

/**
 * The raw token-exchange request (RFC 8693): answers the Response, so tests can read errors as sent.
 *
 * @example
 * const res = await exchangeRequest(tc, { subject_token, subject_token_type: ACCESS_TOKEN_TYPE, audience });
 */
export function exchangeRequest(tc: TestClient, parameters: Record<string, string> | URLSearchParams, opts: { dpop?: oauth.DPoPHandle } = {}): Promise<Response> {
  return oauth.genericTokenEndpointRequest(tc.as, tc.client, tc.auth, 'urn:ietf:params:oauth:grant-type:token-exchange', parameters, {
    ...INSECURE,
    ...(opts.dpop ? { DPoP: opts.dpop } : {}),
  });
}
