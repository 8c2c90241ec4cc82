import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthorizationServer } from 'oauth4webapi';
import type { BackendResult, LogoutTarget } from '../adapter';
import { FIVE_MINUTES, ONE_MINUTE } from '../../time';

/** The event a back-channel logout token must carry (OpenID Connect Back-Channel Logout 1.0, 2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Options of {@link verifyLogoutToken}. */
export interface LogoutTokenCheck {
  clientId: string;
  /** Accepted signing algorithms; `none` and HMAC are never accepted. */
  algorithms: readonly string[];
  timeoutMs: number;
}

/** Oldest `iat` accepted (seconds), on top of the clock tolerance. */
const MAX_TOKEN_AGE = FIVE_MINUTES;
const CLOCK_TOLERANCE = ONE_MINUTE;
/** The provider's key sets by metadata object, kept by the adapter that owns them. */
export type LogoutKeySets = WeakMap<AuthorizationServer, ReturnType<typeof createRemoteJWKSet>>;

/**
 * Validates a back-channel logout token (spec section 2.6): signature against the provider's key set,
 * `iss`, `aud` (this client), `iat` (recent), `jti`, the back-channel logout event, `sub` and/or `sid`,
 * and no `nonce` (so an ID token can never be replayed as a logout token). JOSE work is done by jose.
 *
 * @example
 * const target = await verifyLogoutToken(as, token, { clientId: 'app', algorithms: ['RS256'], timeoutMs: 10_000 }, keySets);
 */
export async function verifyLogoutToken(
  as: AuthorizationServer,
  token: string,
  check: LogoutTokenCheck,
  keySets: LogoutKeySets,
): Promise<BackendResult<LogoutTarget>> {
  if (!as.jwks_uri) return { ok: false, reason: 'unavailable' };
  let keys = keySets.get(as);
  if (!keys) keySets.set(as, (keys = createRemoteJWKSet(new URL(as.jwks_uri), { timeoutDuration: check.timeoutMs })));
  let payload: JWTPayload;
  let typ: string | undefined;
  try {
    ({ payload, protectedHeader: { typ } } = await jwtVerify(token, keys, {
      issuer: as.issuer,
      audience: check.clientId,
      algorithms: check.algorithms.filter((alg) => alg !== 'none' && !alg.startsWith('HS')),
      clockTolerance: CLOCK_TOLERANCE,
      maxTokenAge: MAX_TOKEN_AGE + CLOCK_TOLERANCE,
      requiredClaims: ['iat', 'jti', 'events'],
    }));
  } catch (error) {
    if (error instanceof errors.JWKSTimeout) return { ok: false, reason: 'timeout' };
    // Any other JOSE error is about the token (signature, claims, unknown key): a rejection.
    if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSInvalid)) return { ok: false, reason: 'rejected' };
    return { ok: false, reason: 'unavailable' };
  }
  return claimsToTarget(payload, typ);
}

/** The claim checks jose does not know about, on a payload whose signature and iss/aud/iat passed. */
export function claimsToTarget(payload: JWTPayload, typ?: string): BackendResult<LogoutTarget> {
  const rejected = { ok: false, reason: 'rejected' } as const;
  // Explicit typing is optional in the spec, but a token typed as something else is never a logout token.
  if (typ !== undefined && !['logout+jwt', 'application/logout+jwt', 'jwt'].includes(typ.toLowerCase())) return rejected;
  const events = payload.events;
  if (!events || typeof events !== 'object' || Array.isArray(events)) return rejected;
  const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT];
  if (!event || typeof event !== 'object' || Array.isArray(event)) return rejected;
  if ('nonce' in payload) return rejected;
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  if (!sub && !sid) return rejected;
  if (typeof payload.jti !== 'string' || payload.jti === '') return rejected;
  return { ok: true, value: { ...(sub && { sub }), ...(sid && { sid }), jti: payload.jti } };
}
