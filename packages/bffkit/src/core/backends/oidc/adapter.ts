import { createRemoteJWKSet } from 'jose';
import * as oauth from 'oauth4webapi';
import { ConfigError } from '../../errors';
import type { BackendAdapter, BackendResult, LogoutTarget } from '../adapter';
import { transientError } from '../failure';
import { unverifiedClaims } from '../jwt-claims';
import type { Clock } from '../../time';
import type { SessionUser, TokenSet } from '../../types';
import { clientCredentialsGrant, exchangeGrant, refreshGrant } from './grants';
import { completeLogin, startLogin } from './login';
import { verifyLogoutToken } from './logout-token';
import type { ResolvedOidcOptions } from './options';
import { createRuntime, withNonceRetry } from './runtime';

import type { OidcBackend } from './backend';

type Fail = { ok: false; reason: 'rejected' | 'unavailable' | 'timeout' };

/**
 * The OpenID Connect adapter itself, for validated options (see {@link oidcBackend} in backend.ts,
 * which loads this module, and with it oauth4webapi, on the adapter's first call).
 *
 * @example
 * const adapter = createOidcBackend(resolveOidcOptions(options), systemClock);
 */
export function createOidcBackend(o: ResolvedOidcOptions, clock: Clock): OidcBackend {
  const rt = createRuntime(o, clock);
  const client = rt.client;
  const http = rt.http;
  // The provider's key set for logout tokens, one per metadata object (jose caches and refreshes it).
  const logoutKeys = new WeakMap<oauth.AuthorizationServer, ReturnType<typeof createRemoteJWKSet>>();

  return {
    kind: 'oidc',
    dpop: o.dpop,

    startLogin: (input) => startLogin(rt, input),
    completeLogin: (input) => completeLogin(rt, input),
    refresh: (refreshToken, refreshOptions) => refreshGrant(rt, refreshToken, refreshOptions),
    exchangeToken: (request) => exchangeGrant(rt, request),
    clientCredentials: (request) => clientCredentialsGrant(rt, request),

    async verify() {
      const as = await rt.metadata();
      if (as.ok) return;
      if (as.problem) throw new ConfigError('backend', as.problem);
      throw transientError(as.reason === 'timeout' ? 'timeout' : 'unavailable', 'identity provider');
    },

    clientJwks: () => (o.clientKeys.length ? { keys: o.clientKeys.map((k) => k.publicJwk) } : null),

    async revoke(tokens) {
      if (!o.revokeOnLogout) return;
      await rt.withAs(async (as) => {
        if (!as.revocation_endpoint) return;
        const token = tokens.refreshToken ?? tokens.accessToken;
        const hint = tokens.refreshToken ? 'refresh_token' : 'access_token';
        const auth = await rt.clientAuth();
        const response = await oauth.revocationRequest(as, client, auth, token, { ...http(), additionalParameters: { token_type_hint: hint } });
        await oauth.processRevocationResponse(response);
      }, 'unavailable');
    },

    async user(tokens: TokenSet, userOptions): Promise<BackendResult<SessionUser>> {
      // The ID token was validated when it was received (callback or refresh); here it is only read.
      const idClaims = tokens.idToken ? unverifiedClaims(tokens.idToken) : null;
      const sub = idClaims?.sub;
      if (typeof sub !== 'string' || sub === '') return { ok: false, reason: 'rejected' };
      let claims: Record<string, unknown> = idClaims!;
      if (o.userinfo) {
        const info = await rt.withAs(async (as) => {
          const dpop = tokens.tokenType === 'DPoP' ? await rt.dpop(userOptions?.dpopKey) : {};
          // The userinfo `sub` must be the ID token's (OpenID Connect Core 5.3.2).
          return withNonceRetry(async () => oauth.processUserInfoResponse(as, client, sub, await oauth.userInfoRequest(as, client, tokens.accessToken, { ...http(), ...dpop })));
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
      const as = await rt.metadata();
      if (!as.ok || !as.value.end_session_endpoint) return null;
      const url = new URL(as.value.end_session_endpoint);
      url.searchParams.set('client_id', o.clientId);
      url.searchParams.set('post_logout_redirect_uri', new URL(o.postLogoutRedirect, appUrl).href);
      if (o.idTokenHint && tokens.idToken) url.searchParams.set('id_token_hint', tokens.idToken);
      return url;
    },

    async verifyLogoutToken(token): Promise<BackendResult<LogoutTarget>> {
      const as = await rt.metadata();
      if (!as.ok) return as;
      const algorithms = o.idTokenSigningAlg ? [o.idTokenSigningAlg] : (as.value.id_token_signing_alg_values_supported ?? ['RS256']);
      return verifyLogoutToken(as.value, token, { clientId: o.clientId, algorithms, timeoutMs: o.timeoutMs }, logoutKeys);
    },
  };
}
