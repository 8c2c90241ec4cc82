import type { ResolvedConfig } from '../../config';

/** The OpenID Connect auth routes, relative to `basePath` (e.g. `/api/auth/oidc/callback`). */
export const OIDC_ROUTES = {
  /** GET (links, proxy redirects) or POST (forms, fetch): starts a login at the provider. */
  login: 'oidc/login',
  /** GET: where the provider sends the browser back; register `{baseUrl}{basePath}/oidc/callback`. */
  callback: 'oidc/callback',
  /** POST from the provider, server to server: register `{baseUrl}{basePath}/oidc/backchannel-logout`. */
  backchannelLogout: 'oidc/backchannel-logout',
  /** GET: the client's public keys for private_key_jwt (a JWK Set); register it as the client's JWKS URL. */
  jwks: 'oidc/jwks',
} as const;

/**
 * The redirect URI to register at the provider, built from the configured app URL (never from Host).
 *
 * @example
 * callbackUri(config) // 'https://app.example.com/api/auth/oidc/callback'
 */
export function callbackUri(config: ResolvedConfig): string {
  return new URL(`${config.basePath}/${OIDC_ROUTES.callback}`, config.appUrl).href;
}
