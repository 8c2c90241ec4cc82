import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from './deps';
import { problem } from './http';

/** RFC 6750 §3: every bearer rejection names the error in WWW-Authenticate. */
const INVALID = { 'www-authenticate': 'Bearer error="invalid_token"' };
const EXPIRED = {
  'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"',
};

/**
 * Middleware that requires `Authorization: Bearer <jwt>` and loads the user into `c.var.user`.
 * Missing/malformed/forged → 401 invalid_token; expired → 401 token_expired.
 *
 * @example
 * app.use('/notes/*', requireBearer(deps));
 */
export function requireBearer(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) deps.stats.bump('bearer_requests');
    const match = header === undefined ? null : /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
    if (!match?.[1]) {
      deps.stats.bump('invalid_token_requests');
      return problem(c, 401, 'invalid_token', 'A valid bearer access token is required.', INVALID);
    }
    const check = await deps.accessTokens.verify(match[1]);
    // Not one of ours: maybe the configured OpenID provider's (its users are found by e-mail).
    const provider = check.status === 'invalid' && deps.providerTokens ? await deps.providerTokens.verify(match[1]) : undefined;
    if (check.status === 'expired' || provider?.status === 'expired') {
      deps.stats.bump('expired_token_requests');
      return problem(c, 401, 'token_expired', 'The access token has expired.', EXPIRED);
    }
    const id = check.status === 'valid' && /^\d{1,15}$/.test(check.claims.sub) ? Number(check.claims.sub) : 0;
    const user = id > 0 ? deps.users.findById(id) : provider?.status === 'valid' ? deps.users.findByEmail(provider.email) : undefined;
    if (!user) {
      deps.stats.bump('invalid_token_requests');
      return problem(c, 401, 'invalid_token', 'The access token is invalid.', INVALID);
    }
    c.set('user', user);
    await next();
  };
}
