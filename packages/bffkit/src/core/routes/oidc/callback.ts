import { timingSafeEqual } from 'node:crypto';
import { transientError } from '../../backends/failure';
import type { BffContext, RouteAction } from '../../context';
import type { Cookie } from '../../http/cookie';
import { errorResponse, seeOther, toErrorResponse, withCookies } from '../../http/response';
import { startSession } from '../../session/start';
import { callbackUri } from './paths';
import { TRANSACTION_TTL } from './transaction';

// One answer for every rejected callback: nothing tells an attacker which check failed.
const REJECTED = 'The sign-in response could not be verified. Start the sign-in again.';

/**
 * `GET {basePath}/oidc/callback`: the provider sends the browser back here. The transaction cookie
 * must be present and carry the same `state` (else 400: missing, foreign or replayed), and is used
 * once (cleared on every answer, remembered as used). The adapter validates the response and the ID
 * token and exchanges the code; then a FRESH session replaces whatever session the browser had.
 * Provider errors (`access_denied`, …) go to the login page with a fixed code, never the raw text.
 */
export const oidcCallbackAction: RouteAction = async (ctx, request) => {
  const { config } = ctx;
  const backend = config.backend;
  if (!backend.completeLogin) return errorResponse('not_found', 'This backend does not sign in through a provider.');
  const url = new URL(request.url);
  const now = config.clock();
  const clear = [ctx.transactions.clear()];
  const pending = ctx.transactions.read(request.headers.get('cookie'), now);
  const state = url.searchParams.getAll('state');
  if (!pending || state.length !== 1 || !sameString(state[0]!, pending.transaction.state)) {
    return rejected(ctx, clear, pending ? 'state mismatch' : 'no transaction cookie');
  }
  if (!ctx.usedOnce.claim('oidc-state', pending.transaction.state, TRANSACTION_TTL, now)) {
    return rejected(ctx, clear, 'transaction replayed');
  }
  const result = await backend.completeLogin({ callbackUrl: url, redirectUri: callbackUri(config), transaction: pending.transaction });
  if (!result.ok) {
    if (result.reason === 'invalid') return rejected(ctx, clear, 'response or ID token invalid');
    if (result.reason !== 'denied' && result.problem) config.logger.error(`oidc callback: ${result.problem}`);
    ctx.telemetry.event('login.failed', { method: 'oidc', reason: result.reason });
    if (result.reason === 'denied') {
      config.logger.info(`oidc callback: provider answered ${result.error}`);
      const params = new URLSearchParams({ error: result.error, returnTo: pending.returnTo });
      return noReferrer(seeOther(config.appUrl, `${config.loginPage}?${params}`, clear));
    }
    return noReferrer(withCookies(toErrorResponse(transientError(result.reason, 'identity provider')), clear));
  }
  try {
    const user = await backend.user(result.value, result.dpopKey ? { dpopKey: result.dpopKey } : undefined);
    if (!user.ok) {
      if (user.reason === 'rejected') return rejected(ctx, clear, 'no usable subject in the ID token');
      throw transientError(user.reason, 'identity provider');
    }
    // A sign-in by the same user (a step-up, a second sign-in) may share the provider's grant with the
    // session it replaces: that session ends, but its refresh token is not revoked (see sharedGrant).
    const extras = { ...(result.dpopKey ? { dpopKey: result.dpopKey } : {}), ...(result.auth ? { auth: result.auth } : {}), sharedGrant: true };
    const { session, cookies } = await startSession(ctx, request, user.value, result.value, extras);
    ctx.telemetry.event('login.succeeded', { method: 'oidc' }, session);
    config.logger.info('oidc callback: new session');
    return noReferrer(seeOther(config.appUrl, pending.returnTo, [...clear, ...cookies]));
  } catch (error) {
    ctx.telemetry.loginFailed('oidc', error);
    return noReferrer(withCookies(toErrorResponse(error), clear));
  }
};

function rejected(ctx: BffContext, clear: Cookie[], why: string): Response {
  // One line with the category, never a code, state or token.
  ctx.config.logger.warn(`oidc callback rejected: ${why}`);
  ctx.telemetry.event('login.failed', { method: 'oidc', reason: 'invalid_response' });
  return noReferrer(withCookies(errorResponse('invalid_request', REJECTED), clear));
}

// The callback URL carries the code and state: never let it leak onward as a Referer.
function noReferrer(response: Response): Response {
  response.headers.set('referrer-policy', 'no-referrer');
  return response;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
