import type { RouteAction } from '../../context';
import { BffError } from '../../errors';
import { errorResponse, json, PRIVATE_HEADERS, toErrorResponse } from '../../http/response';
import { callbackUri } from './paths';
import { transactionCookie } from './transaction';
import { withCookies } from '../../http/respond';
import { safeReturnTo } from '../../http/return-to';
import { readRequestBody } from '../body';

/**
 * `GET|POST {basePath}/oidc/login`: starts a sign-in at the OpenID provider. Sets the sealed
 * transaction cookie (state, nonce, PKCE verifier, returnTo) and sends the browser to the provider:
 * a 303 for GET and form posts, `{ redirectTo }` JSON for fetch calls (with the anti-forgery header).
 *
 * Why GET is allowed (SECURITY.md 15 speaks of state changes): it creates no session, only a
 * transaction that a callback in this same browser must complete, so a cross-site link can at most
 * start a sign-in the user then has to finish at the provider. It lets `loginPage` point here.
 */
export const oidcLoginAction: RouteAction = async (ctx, request) => {
  const backend = ctx.config.backend;
  if (!backend.startLogin) return errorResponse('not_found', 'This backend does not sign in through a provider.');
  let rawReturnTo: unknown;
  let answer: 'redirect' | 'json' = 'redirect';
  if (request.method === 'GET') {
    rawReturnTo = new URL(request.url).searchParams.get('returnTo');
  } else {
    const body = await readRequestBody(ctx, request, true);
    if (!body.ok) return body.response;
    rawReturnTo = body.fields.returnTo;
    if (body.mode === 'json') answer = 'json';
  }
  const returnTo = safeReturnTo(rawReturnTo, ctx.config.defaultReturnTo);
  const started = await backend.startLogin({ redirectUri: callbackUri(ctx.config) });
  if (!started.ok) {
    ctx.config.logger.warn(`oidc login could not start: provider ${started.reason}`);
    return toErrorResponse(
      started.reason === 'timeout'
        ? new BffError('upstream_timeout', 'The identity provider did not answer in time. Try again.')
        : new BffError('upstream_unavailable', 'The identity provider is unavailable. Try again.'),
    );
  }
  const setCookie = transactionCookie(ctx.config).write(started.value.transaction, returnTo, ctx.config.clock());
  const location = started.value.url.href;
  if (answer === 'json') return withCookies(json({ redirectTo: location }), [setCookie]);
  const headers = new Headers(PRIVATE_HEADERS);
  headers.set('location', location);
  headers.append('set-cookie', setCookie);
  return new Response(null, { status: 303, headers });
};
