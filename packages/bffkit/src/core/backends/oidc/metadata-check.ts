import type * as oauth from 'oauth4webapi';
import type { ResolvedOidcOptions } from './options';

/**
 * What makes the provider's metadata unusable with the configured options, as one sentence for the
 * operator (no secret in it), or null when it fits. Applied to every discovery answer, so a provider
 * that stops advertising PAR or DPoP stops sign-ins with this message instead of silently downgrading.
 *
 * @example
 * const problem = metadataProblem(as, options); // 'the provider advertises no pushed_authorization_request_endpoint, …'
 */
export function metadataProblem(as: oauth.AuthorizationServer, o: ResolvedOidcOptions): string | null {
  const profile = o.fapi ? ' (FAPI 2.0)' : '';
  if (o.par === true && !as.pushed_authorization_request_endpoint) {
    return `the provider ${as.issuer} advertises no pushed_authorization_request_endpoint, but pushed authorization requests are required${profile || ' (backend.par: true)'}`;
  }
  if (o.par === false && as.require_pushed_authorization_requests === true) {
    return `the provider ${as.issuer} requires pushed authorization requests (require_pushed_authorization_requests), but backend.par is false`;
  }
  const authMethods = as.token_endpoint_auth_methods_supported;
  if (authMethods && !authMethods.includes(o.clientAuth)) {
    return `the provider ${as.issuer} does not accept ${o.clientAuth} client authentication (it lists ${authMethods.join(', ')})`;
  }
  if (o.dpop) {
    const algs = as.dpop_signing_alg_values_supported;
    if (!algs || !algs.includes('ES256')) return `the provider ${as.issuer} does not advertise DPoP with ES256 (dpop_signing_alg_values_supported), but DPoP is on${profile || ' (backend.dpop: true)'}`;
  }
  const pkce = as.code_challenge_methods_supported;
  if (pkce && !pkce.includes('S256')) return `the provider ${as.issuer} does not support PKCE S256 (code_challenge_methods_supported)`;
  if (o.fapi && as.authorization_response_iss_parameter_supported !== true) {
    return `the provider ${as.issuer} does not send the iss authorization response parameter (RFC 9207: authorization_response_iss_parameter_supported), which FAPI 2.0 requires`;
  }
  return null;
}
