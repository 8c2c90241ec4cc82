import { createRemoteJWKSet } from 'jose';
import * as oauth from 'oauth4webapi';
import type { BackendAdapter, BackendResult, LoginCompletion, LoginRedirect, LogoutTarget } from '../adapter';
import { unverifiedClaims } from '../jwt-claims';
import { systemClock, type Clock } from '../../time';
import type { SessionUser, TokenSet } from '../../types';
import { createDiscovery } from './discovery';
import { verifyLogoutToken } from './logout-token';
import { resolveOidcOptions, type OidcBackendOptions } from './options';
import { failureOf } from './outcome';
import { toTokenSet } from '../token-set';

/** The OpenID Connect adapter: every redirect-login method of {@link BackendAdapter} is present. */
export type OidcBackend = BackendAdapter & Required<Pick<BackendAdapter, 'startLogin' | 'completeLogin' | 'endSessionUrl' | 'verifyLogoutToken' | 'revoke'>>;

type Fail = { ok: false; reason: 'rejected' | 'unavailable' | 'timeout' };

/**
 * A backend adapter for any OpenID Connect provider: authorization code flow with PKCE (S256),
 * `state` and `nonce`, as a confidential client (client_secret_basic or _post). Refresh goes to the
 * token endpoint (the core's single flight applies unchanged); logout revokes the refresh token and
 * answers the provider's end-session URL; back-channel logout tokens are validated here.
 * Protocol and token validation is oauth4webapi's (logout tokens: jose); nothing is hand-rolled.
 *
 * @example
 * const backend = oidcBackend({
 *   issuer: 'https://login.example.com/realms/main',
 *   clientId: 'my-app',
 *   clientSecret: process.env.OIDC_CLIENT_SECRET!,
 * });
 */
export function oidcBackend(options: OidcBackendOptions & { /** @internal */ clock?: Clock }): OidcBackend {
  const o = resolveOidcOptions(options);
  const clock = options.clock ?? systemClock;
  const client: oauth.Client = { client_id: o.clientId };
  if (o.idTokenSigningAlg) client.id_token_signed_response_alg = o.idTokenSigningAlg;
  const auth = o.clientAuth === 'client_secret_post' ? oauth.ClientSecretPost(o.clientSecret) : oauth.ClientSecretBasic(o.clientSecret);
  const discovery = createDiscovery(o.issuer, { ttl: o.discoveryTtl, timeoutMs: o.timeoutMs, allowHttp: o.allowHttp });
  const http = () => ({ signal: AbortSignal.timeout(o.timeoutMs), [oauth.allowInsecureRequests]: o.allowHttp });
  // The provider's key set for logout tokens, one per metadata object (jose caches and refreshes it).
  const logoutKeys = new WeakMap<oauth.AuthorizationServer, ReturnType<typeof createRemoteJWKSet>>();
  const tokenParams = () => (o.resource.length ? { additionalParameters: o.resource.map((r) => ['resource', r]) } : {});

  /** Runs `work` with the metadata; any throw is sorted into a failure (`invalid` → `asInvalid`). */
  async function withAs<T>(work: (as: oauth.AuthorizationServer) => Promise<T>, asInvalid: 'rejected' | 'unavailable'): Promise<BackendResult<T>> {
    const as = await discovery.get();
    if (!as.ok) return as;
    try {
      return { ok: true, value: await work(as.value) };
    } catch (error) {
      const failure = failureOf(error);
      return { ok: false, reason: failure === 'invalid' ? asInvalid : failure };
    }
  }

  return {
    kind: 'oidc',

    startLogin: ({ redirectUri }) =>
      withAs(async (as): Promise<LoginRedirect> => {
        if (!as.authorization_endpoint) throw new Error('no authorization_endpoint');
        const state = oauth.generateRandomState();
        const nonce = oauth.generateRandomNonce();
        const verifier = oauth.generateRandomCodeVerifier();
        const url = new URL(as.authorization_endpoint);
        for (const [k, v] of Object.entries(o.extraParams)) for (const one of [v].flat()) url.searchParams.append(k, one);
        url.searchParams.set('client_id', o.clientId);
        url.searchParams.set('redirect_uri', redirectUri);
        url.searchParams.set('response_type', 'code');
        url.searchParams.set('scope', o.scope);
        url.searchParams.set('state', state);
        url.searchParams.set('nonce', nonce);
        url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
        url.searchParams.set('code_challenge_method', 'S256');
        return { url, transaction: { state, nonce, verifier } };
      }, 'unavailable'),

    async completeLogin({ callbackUrl, redirectUri, transaction }): Promise<LoginCompletion> {
      const as = await discovery.get();
      if (!as.ok) return { ok: false, reason: as.reason === 'timeout' ? 'timeout' : 'unavailable' };
      const { state, nonce, verifier } = transaction;
      if (!nonce || !verifier) return { ok: false, reason: 'invalid' };
      let params: URLSearchParams;
      try {
        // state (exact), `iss` (RFC 9207 mix-up defence, when the provider sends it), then `error`.
        params = oauth.validateAuthResponse(as.value, client, callbackUrl, state);
      } catch (error) {
        if (error instanceof oauth.AuthorizationResponseError) {
          return { ok: false, reason: 'denied', error: error.error === 'access_denied' ? 'access_denied' : 'provider_error' };
        }
        return { ok: false, reason: 'invalid' };
      }
      try {
        const response = await oauth.authorizationCodeGrantRequest(as.value, client, auth, params, redirectUri, verifier, { ...http(), ...tokenParams() });
        const answer = await oauth.processAuthorizationCodeResponse(as.value, client, response, { expectedNonce: nonce, requireIdToken: true });
        // Why check the signature although the token came over TLS: defence in depth against a
        // compromised or misrouted token endpoint, and it refuses `alg: none` outright.
        await oauth.validateApplicationLevelSignature(as.value, response, http());
        return { ok: true, value: fromTokenEndpoint(answer, clock()) };
      } catch (error) {
        const failure = failureOf(error);
        // A refused code (replayed, expired, PKCE mismatch) is as invalid as a bad ID token: 400.
        return { ok: false, reason: failure === 'rejected' || failure === 'invalid' ? 'invalid' : failure };
      }
    },

    refresh: (refreshToken) =>
      withAs(async (as) => {
        const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { ...http(), ...tokenParams() });
        const answer = await oauth.processRefreshTokenResponse(as, client, response);
        if (answer.id_token) await oauth.validateApplicationLevelSignature(as, response, http());
        return fromTokenEndpoint(answer, clock(), { refreshToken });
      }, 'unavailable'),

    async revoke(tokens) {
      if (!o.revokeOnLogout) return;
      await withAs(async (as) => {
        if (!as.revocation_endpoint) return;
        const token = tokens.refreshToken ?? tokens.accessToken;
        const hint = tokens.refreshToken ? 'refresh_token' : 'access_token';
        const response = await oauth.revocationRequest(as, client, auth, token, { ...http(), additionalParameters: { token_type_hint: hint } });
        await oauth.processRevocationResponse(response);
      }, 'unavailable');
    },

    async user(tokens: TokenSet): Promise<BackendResult<SessionUser>> {
      // The ID token was validated when it was received (callback or refresh); here it is only read.
      const idClaims = tokens.idToken ? unverifiedClaims(tokens.idToken) : null;
      const sub = idClaims?.sub;
      if (typeof sub !== 'string' || sub === '') return { ok: false, reason: 'rejected' };
      let claims: Record<string, unknown> = idClaims!;
      if (o.userinfo) {
        const info = await withAs(async (as) => {
          const response = await oauth.userInfoRequest(as, client, tokens.accessToken, http());
          // The userinfo `sub` must be the ID token's (OpenID Connect Core 5.3.2).
          return oauth.processUserInfoResponse(as, client, sub, response);
        }, 'rejected');
        if (!info.ok) return info as Fail;
        claims = { ...idClaims, ...info.value };
      }
      try {
        // `id` is always the provider's subject: back-channel logout finds sessions by it.
        return { ok: true, value: { ...o.mapClaims(claims), id: sub } };
      } catch {
        return { ok: false, reason: 'unavailable' };
      }
    },

    async endSessionUrl({ tokens, appUrl }) {
      const as = await discovery.get();
      if (!as.ok || !as.value.end_session_endpoint) return null;
      const url = new URL(as.value.end_session_endpoint);
      url.searchParams.set('client_id', o.clientId);
      url.searchParams.set('post_logout_redirect_uri', new URL(o.postLogoutRedirect, appUrl).href);
      if (o.idTokenHint && tokens.idToken) url.searchParams.set('id_token_hint', tokens.idToken);
      return url;
    },

    async verifyLogoutToken(token): Promise<BackendResult<LogoutTarget>> {
      const as = await discovery.get();
      if (!as.ok) return as;
      const algorithms = o.idTokenSigningAlg ? [o.idTokenSigningAlg] : (as.value.id_token_signing_alg_values_supported ?? ['RS256']);
      return verifyLogoutToken(as.value, token, { clientId: o.clientId, algorithms, timeoutMs: o.timeoutMs }, logoutKeys);
    },
  };
}

/** A validated token endpoint answer → the session's tokens (the expiry rule is the shared one). */
function fromTokenEndpoint(answer: oauth.TokenEndpointResponse, now: number, previous?: Pick<TokenSet, 'refreshToken'>): TokenSet {
  const tokens = toTokenSet(
    { accessToken: answer.access_token, refreshToken: answer.refresh_token, idToken: answer.id_token, expiresIn: answer.expires_in },
    now,
    previous,
  );
  // oauth4webapi has checked that access_token is a non-empty string.
  if (!tokens) throw new oauth.OperationProcessingError('token endpoint answered no access token');
  return tokens;
}
