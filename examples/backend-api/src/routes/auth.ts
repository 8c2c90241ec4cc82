import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps';
import { problem, readJsonObject, stringField } from '../http';
import { MAX_PASSWORD_LENGTH, verifyPassword } from '../passwords';
import { toPublicUser, type UserRow } from '../users';

/** Longest email accepted (RFC 5321 path limit, rounded up). */
const MAX_EMAIL_LENGTH = 320;
/** A refresh token is 43 base64url characters; anything far longer is garbage. */
const MAX_REFRESH_TOKEN_LENGTH = 512;

const GENERIC_LOGIN_FAILURE = 'Invalid email or password.';
const GENERIC_GRANT_FAILURE = 'The refresh token is invalid, expired or revoked.';

async function tokenPair(deps: AppDeps, user: UserRow, refreshToken: string) {
  const accessToken = await deps.accessTokens.sign({ sub: String(user.id), email: user.email, name: user.name });
  return {
    access_token: accessToken,
    refresh_token: refreshToken,
    token_type: 'Bearer' as const,
    expires_in: deps.accessTokens.ttl,
  };
}

/**
 * Routes under `/auth`: login, refresh (rotation with reuse detection), logout and me.
 * `/auth/me` expects the bearer middleware to be mounted by the app.
 *
 * @example
 * app.route('/auth', authRoutes(deps));
 */
export function authRoutes(deps: AppDeps): Hono<AppEnv> {
  const auth = new Hono<AppEnv>();

  auth.post('/login', async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (!body.ok) return problem(c, body.status, body.code, body.message);
    const email = stringField(body.value, 'email', { min: 1, max: MAX_EMAIL_LENGTH });
    const password = stringField(body.value, 'password', { min: 1, max: MAX_PASSWORD_LENGTH });
    if (!email.ok) return problem(c, email.status, email.code, email.message);
    if (!password.ok) return problem(c, password.status, password.code, password.message);

    const user = deps.users.findByEmail(email.value.trim());
    // Why: unknown users still pay a full argon2 verification, so timing does not reveal accounts.
    const valid = user
      ? await verifyPassword(user.password_hash, password.value)
      : await deps.dummyVerify(password.value);
    if (!user || !valid) {
      deps.stats.bump('login_failures');
      return problem(c, 401, 'invalid_credentials', GENERIC_LOGIN_FAILURE);
    }
    deps.stats.bump('logins');
    return c.json(await tokenPair(deps, user, deps.refreshTokens.issue(user.id, deps.now())));
  });

  auth.post('/refresh', async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (!body.ok) return problem(c, body.status, body.code, body.message);
    const token = stringField(body.value, 'refresh_token', { min: 1, max: MAX_REFRESH_TOKEN_LENGTH });
    if (!token.ok) return problem(c, token.status, token.code, token.message);

    const result = deps.refreshTokens.rotate(token.value, deps.now());
    const user = result.status === 'rotated' ? deps.users.findById(result.userId) : undefined;
    if (result.status !== 'rotated' || !user) {
      if (result.status === 'reuse') deps.stats.bump('refresh_reuse_detected');
      deps.stats.bump('refresh_failures');
      return problem(c, 401, 'invalid_grant', GENERIC_GRANT_FAILURE);
    }
    deps.stats.bump('refreshes');
    deps.stats.refreshed(result.age);
    return c.json(await tokenPair(deps, user, result.refreshToken));
  });

  auth.post('/logout', async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (!body.ok) return problem(c, body.status, body.code, body.message);
    const token = stringField(body.value, 'refresh_token', { min: 1, max: MAX_REFRESH_TOKEN_LENGTH });
    if (!token.ok) return problem(c, token.status, token.code, token.message);
    deps.refreshTokens.revokeFamilyOf(token.value, deps.now());
    deps.stats.bump('logouts');
    return c.body(null, 204);
  });

  auth.get('/me', (c) => c.json(toPublicUser(c.var.user)));

  return auth;
}
