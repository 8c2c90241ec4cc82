import type { BackendAdapter } from '../adapter';
import { systemClock, type Clock } from '../../time';
import { resolveOidcOptions, type OidcBackendOptions } from './options';

/** The OpenID Connect adapter: every redirect-login method of {@link BackendAdapter} is present. */
export type OidcBackend = BackendAdapter &
  Required<Pick<BackendAdapter, 'startLogin' | 'completeLogin' | 'endSessionUrl' | 'verifyLogoutToken' | 'revoke' | 'exchangeToken' | 'clientCredentials' | 'verify' | 'clientJwks'>>;

/** The adapter's methods that talk to the provider (each one loads the implementation first). */
const CALLS = ['startLogin', 'completeLogin', 'refresh', 'exchangeToken', 'clientCredentials', 'verify', 'revoke', 'user', 'endSessionUrl', 'verifyLogoutToken'] as const;

/**
 * A backend adapter for any OpenID Connect provider: authorization code flow with PKCE (S256),
 * `state` and `nonce`, as a confidential client (client_secret_basic or _post, or private_key_jwt).
 * Optionally pushed authorization requests (RFC 9126), DPoP-bound tokens (RFC 9449) and the whole
 * FAPI 2.0 Security Profile (`profile: 'fapi2'`); the `iss` response parameter is checked whenever the
 * provider sends it (RFC 9207). Refresh goes to the token endpoint (the core's single flight applies
 * unchanged); logout revokes the refresh token and answers the provider's end-session URL;
 * back-channel logout tokens are validated here. Tokens for other upstreams come from a refresh with a
 * resource indicator (RFC 8707), token exchange (RFC 8693) or client credentials.
 * Protocol and token validation is oauth4webapi's (logout tokens: jose); nothing is hand-rolled.
 *
 * The options are validated here, at once (a misconfiguration fails at start-up, naming the field);
 * the protocol code, and oauth4webapi with it, loads on the adapter's first call, so an app that
 * only imports bffkit never loads an OAuth client it does not use.
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
  let loading: Promise<OidcBackend> | undefined;
  const real = (): Promise<OidcBackend> => (loading ??= import('./adapter').then((m) => m.createOidcBackend(o, clock)));
  const adapter = {
    kind: 'oidc',
    dpop: o.dpop,
    clientJwks: () => (o.clientKeys.length ? { keys: o.clientKeys.map((k) => k.publicJwk) } : null),
  } as OidcBackend;
  for (const name of CALLS) {
    (adapter as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) =>
      ((await real())[name] as (...a: unknown[]) => Promise<unknown>)(...args);
  }
  return adapter;
}
