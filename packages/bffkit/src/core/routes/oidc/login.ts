import { transientError } from '../../backends/failure';
import type { RouteAction } from '../../context';
import { errorResponse, json, PRIVATE_HEADERS, toErrorResponse, withCookies } from '../../http/response';
import { safeReturnTo } from '../../http/return-to';
import { challengeOf } from '../../step-up/challenge';
import { readRequestBody } from '../body';
import { callbackUri } from './paths';

/**
 * `GET|POST {basePath}/oidc/login`: starts a sign-in at the OpenID provider. Sets the sealed
 * transaction cookie (state, nonce, PKCE verifier, returnTo) and sends the browser to the provider:
 * a 303 for GET and form posts, `{ redirectTo }` JSON for fetch calls (with the anti-forgery header).
 *
 * `acr_values` and `max_age` (query, or form/JSON fields) ask the provider for a stronger or more
 * recent sign-in: the step-up of RFC 9470. They can only ever ask for more, never skip anything.
 *
 * Why GET is allowed (docs/security.md 15 speaks of state changes): it creates no session, only a
 * transaction that a callback in this same browser must complete, so a cross-site link can at most
 * start a sign-in the user then has to finish at the provider. It lets `loginPage` point here.
 */
export const oidcLoginAction: RouteAction = async (ctx, request) => {
  const backend = ctx.config.backend;
  if (!backend.startLogin) return errorResponse('not_found', 'This backend does not sign in through a provider.');
  let fields: Record<string, unknown>;
  let answer: 'redirect' | 'json' = 'redirect';
  if (request.method === 'GET') {
    fields = Object.fromEntries(new URL(request.url).searchParams);
  } else {
    const body = await readRequestBody(ctx, request, true);
    if (!body.ok) return body.response;
    fields = body.fields;
    if (body.mode === 'json') answer = 'json';
  }
  const returnTo = safeReturnTo(fields.returnTo, ctx.config.defaultReturnTo);
  const level = challengeOf(fields.acr_values ?? fields.acrValues, fields.max_age ?? fields.maxAge);
  const started = await backend.startLogin({ redirectUri: callbackUri(ctx.config), ...(level.acrValues.length ? { acrValues: level.acrValues } : {}), ...(level.maxAge !== undefined ? { maxAge: level.maxAge } : {}) });
  if (!started.ok) {
    ctx.config.logger.warn(`oidc login could not start: ${started.problem ?? `provider ${started.reason}`}`);
    return toErrorResponse(transientError(started.reason === 'timeout' ? 'timeout' : 'unavailable', 'identity provider'));
  }
  const transaction = ctx.transactions.write(started.value.transaction, returnTo, ctx.config.clock());
  const location = started.value.url.href;
  if (answer === 'json') return withCookies(json({ redirectTo: location }), [transaction]);
  // The provider is another origin: not seeOther, which only builds same-origin locations.
  const headers = new Headers(PRIVATE_HEADERS);
  headers.set('location', location);
  return withCookies(new Response(null, { status: 303, headers }), [transaction]);
};
