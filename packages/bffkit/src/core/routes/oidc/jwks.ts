import type { RouteAction } from '../../context';
import { errorResponse } from '../../http/response';

/**
 * `GET {basePath}/oidc/jwks`: the public halves of the client's `private_key_jwt` keys, as a JWK Set.
 * A provider configured with this URL as the client's JWKS (Keycloak "JWKS URL", oidc-provider
 * `jwks_uri`) accepts assertions signed by any listed key, which is what makes rotation by listing two
 * keys work. Public keys only (no `d`), cacheable for five minutes; 404 without private_key_jwt.
 */
export const oidcJwksAction: RouteAction = async (ctx) => {
  const jwks = ctx.config.backend.clientJwks?.() ?? null;
  if (!jwks) return errorResponse('not_found', 'This backend has no client keys.');
  return new Response(JSON.stringify(jwks), {
    status: 200,
    headers: { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' },
  });
};
