import type { LogoutTarget } from '../../backends/adapter';
import { transientError } from '../../backends/failure';
import { unverifiedClaims } from '../../backends/jwt-claims';
import type { RouteAction } from '../../context';
import { MAX_FORM_BODY, mediaType, readText } from '../../http/request-body';
import { errorResponse, json, PRIVATE_HEADERS, toErrorResponse } from '../../http/response';
import { TEN_MINUTES } from '../../stores/used-once';
import type { SessionData } from '../../types';

/**
 * `POST {basePath}/oidc/backchannel-logout`: the provider tells us, server to server, that a user's
 * session at the provider ended (OpenID Connect Back-Channel Logout 1.0). The logout token is
 * validated by the adapter (signature, iss, aud, iat, event, sub/sid, no nonce); then every matching
 * session is deleted from the store, so the next request of that browser is anonymous.
 *
 * No anti-forgery header: the caller is the provider, not a browser. A forged request needs a token
 * signed by the provider for this client, and a replayed one (same `jti`) is refused.
 * Needs a server-side store: a stateless cookie cannot be ended from here (answers 501).
 */
export const backchannelLogoutAction: RouteAction = async (ctx, request) => {
  const { backend, logger } = ctx.config;
  if (!backend.verifyLogoutToken) return errorResponse('not_found', 'This backend does not sign in through a provider.');
  if (!ctx.sessions.revocable) {
    // Not an ErrorCode of the browser API: only the provider (and its operator) reads this answer.
    return json({ code: 'backchannel_logout_unsupported', message: 'Back-channel logout needs a server-side session store (session.store).' }, 501);
  }
  if (mediaType(request) !== 'application/x-www-form-urlencoded') return errorResponse('invalid_request', 'Send logout_token form-encoded.');
  const text = await readText(request, MAX_FORM_BODY);
  if (text === null) return errorResponse('payload_too_large', 'Request body too large.');
  const tokens = new URLSearchParams(text).getAll('logout_token');
  if (tokens.length !== 1 || tokens[0] === '') return errorResponse('invalid_request', 'Exactly one logout_token is required.');

  const verified = await backend.verifyLogoutToken(tokens[0]!);
  if (!verified.ok) {
    logger.warn(`back-channel logout refused: token ${verified.reason}`);
    ctx.telemetry.event('backchannel_logout.refused', { reason: verified.reason });
    if (verified.reason === 'rejected') return errorResponse('invalid_request', 'The logout token was not accepted.');
    return toErrorResponse(transientError(verified.reason, 'identity provider'));
  }
  const target = verified.value;
  if (!ctx.usedOnce.claim('oidc-logout-jti', target.jti, TEN_MINUTES, ctx.config.clock())) {
    logger.warn('back-channel logout refused: token replayed');
    ctx.telemetry.event('backchannel_logout.refused', { reason: 'replayed' });
    return errorResponse('invalid_request', 'The logout token was already used.');
  }
  if (!target.sub) {
    // Sessions are indexed by user (the provider's `sub`); a sid-only token cannot be looked up.
    logger.warn('back-channel logout refused: token has sid but no sub');
    ctx.telemetry.event('backchannel_logout.refused', { reason: 'no_subject' });
    return errorResponse('invalid_request', 'Logout tokens without sub are not supported.');
  }
  const now = ctx.config.clock();
  const ending = (await ctx.sessions.sessionsOf(target.sub)).filter((s) => matches(s, target));
  // End, do not revoke: the provider ended the user's session and its grants itself.
  for (const s of ending) await ctx.sessions.end(s, now);
  logger.info(`back-channel logout: ended ${ending.length} session(s)`);
  ctx.telemetry.event('backchannel_logout.received', { sessionsEnded: ending.length }, { user: { id: target.sub } });
  return new Response(null, { status: 200, headers: PRIVATE_HEADERS });
};

/**
 * Whether a session belongs to the logout target: same subject (from the session's ID token), and,
 * when the token names a provider session (`sid`), that session. A session whose ID token carries no
 * `sid` cannot be told apart, so it ends too: ending one session too many is the safe mistake.
 */
function matches(session: SessionData, target: LogoutTarget): boolean {
  const claims = session.tokens.idToken ? unverifiedClaims(session.tokens.idToken) : null;
  if (!claims || claims.sub !== target.sub) return false;
  if (!target.sid) return true;
  return typeof claims.sid !== 'string' || claims.sid === target.sid;
}
