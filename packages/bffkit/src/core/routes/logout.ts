import type { RouteAction } from '../context';
import { json, seeOther, withCookies } from '../http/response';
import { safeReturnTo } from '../http/return-to';
import { revokeAtBackend, type RevocationReport } from '../session/revoke';
import { readRequestBody } from './body';

/**
 * `POST {basePath}/logout`: revokes the refresh token at the backend, ends the session (deleted from
 * the store, or remembered as ended) and clears every session cookie (docs/security.md 11).
 * A backend that is down does not keep the user signed in: the local session ends regardless, the
 * failure is logged, and the JSON answer says `revocation: 'failed'` (the backend session may still
 * be live until it expires there).
 */
export const logoutAction: RouteAction = async (ctx, request) => {
  const body = await readRequestBody(ctx, request, true);
  if (!body.ok) return body.response;
  const now = ctx.config.clock();
  const read = await ctx.cookie.read(request.headers.get('cookie'), now).catch(() => null);
  let providerLogout: URL | null = null;
  let revocation: RevocationReport = 'not-needed';
  if (read?.session) {
    revocation = await revokeAtBackend(ctx, read.session.tokens);
    await ctx.sessions.end(read.session, now).catch(() => undefined);
    // OpenID Connect: the provider's session ends too (RP-initiated logout), after the local one.
    const tokens = read.session.tokens;
    providerLogout = (await ctx.config.backend.endSessionUrl?.({ tokens, appUrl: ctx.config.appUrl }).catch(() => null)) ?? null;
  }
  ctx.telemetry.event('logout', { hadSession: Boolean(read?.session), providerLogout: providerLogout !== null }, read?.session);
  const cookies = ctx.cookie.clear(read?.presentNames ?? []);
  if (body.mode === 'form') return seeOther(ctx.config.appUrl, providerLogout?.href ?? safeReturnTo(body.fields.returnTo, '/'), cookies);
  const answer = {
    status: 'unauthenticated',
    ...(providerLogout ? { redirectTo: providerLogout.href } : {}),
    ...(revocation === 'failed' ? { revocation } : {}),
  };
  return withCookies(json(answer), cookies);
};
