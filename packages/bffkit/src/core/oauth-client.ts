/**
 * oauth4webapi, loaded on first use. Why lazily: only OpenID Connect backends and DPoP-bound calls
 * need it, and an app that signs in with `credentialsBackend` should not load (or bundle into its
 * server start-up path) an OAuth client it never uses. One dynamic import per process, shared.
 */
export type OAuthClient = typeof import('oauth4webapi');

let loading: Promise<OAuthClient> | undefined;

/**
 * The oauth4webapi module.
 *
 * @example
 * const oauth = await loadOAuth();
 * const handle = oauth.DPoP({}, keyPair);
 */
export function loadOAuth(): Promise<OAuthClient> {
  return (loading ??= import('oauth4webapi'));
}
