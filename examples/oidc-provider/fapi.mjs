/**
 * The FAPI 2.0 Security Profile (OpenID FAPI 2.0, Final) on top of the base configuration.
 * oidc-provider's own `features.fapi` (profile '2.0') adds what configuration alone cannot: PKCE for
 * every client, client assertions whose `aud` must be the issuer, `redirect_uri` always required.
 * Everything else the profile asks of an authorization server is configured here.
 */
import { randomBytes } from 'node:crypto';

/** FAPI 2.0 section 5.4.1: PS256, ES256 or EdDSA (Ed25519) only. */
export const FAPI_ALGS = ['ES256', 'PS256', 'EdDSA', 'Ed25519'];

/** Where the provider asks for a DPoP nonce, by `OIDC_DPOP_NONCE`. */
function nonceRule(mode) {
  if (mode === 'all') return () => true;
  if (mode === 'token') return (ctx) => ctx.oidc.route === 'token';
  return () => false;
}

/**
 * oidc-provider's `features.dPoP` (RFC 9449). DPoP is on in every profile (a client that sends a proof
 * gets a DPoP-bound token); `OIDC_DPOP_NONCE` decides where a server nonce is demanded.
 *
 * @example
 * features.dPoP = dpopFeature(config);
 */
export function dpopFeature(config) {
  if (config.dpopNonce === 'off') return { enabled: true };
  // Nonces are derived from this secret and the time (changing every minute), not stored.
  return { enabled: true, nonceSecret: randomBytes(32), requireNonce: nonceRule(config.dpopNonce) };
}

/**
 * The client metadata FAPI 2.0 adds (private_key_jwt and the client's keys come from the base client):
 * DPoP-bound access tokens only, PAR required, ES256 ID tokens.
 *
 * @example
 * const client = { ...baseClient, ...fapiClient() };
 */
export function fapiClient() {
  return {
    dpop_bound_access_tokens: true,
    require_pushed_authorization_requests: true,
    id_token_signed_response_alg: 'ES256',
  };
}

/**
 * Applies the profile to a configuration object for `new Provider(issuer, options)`.
 *
 * @example
 * applyFapi2(options);
 */
export function applyFapi2(options) {
  options.features.fapi = { enabled: true, profile: '2.0' };
  // 5.3.2.2: PAR only; an authorization request without a request_uri from PAR is refused.
  options.features.pushedAuthorizationRequests = { enabled: true, requirePushedAuthorizationRequests: true };
  // 5.3.2.1: client authentication by private_key_jwt (mTLS is the other choice), never a shared secret.
  options.clientAuthMethods = ['private_key_jwt'];
  // 5.3.2.2: response_type=code only (no implicit, no hybrid).
  options.responseTypes = ['code'];
  // 5.3.2.1 item 10: no refresh-token rotation (a lost answer would otherwise end the grant).
  options.rotateRefreshToken = false;
  options.enabledJWA = {
    clientAuthSigningAlgValues: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
    idTokenSigningAlgValues: ['ES256', 'PS256'],
    dPoPSigningAlgValues: FAPI_ALGS,
    requestObjectSigningAlgValues: ['ES256', 'PS256'],
  };
  options.clientDefaults = { ...options.clientDefaults, id_token_signed_response_alg: 'ES256' };
}
