import type { BffContext } from '../context';
import { credentialFor, credentialOf } from '../credential/obtain';
import type { CallCredential } from '../credential/credential';
import { forwardTo, resolveForwardTarget } from '../forward/forward';
import type { ResolvedUpstream } from '../forward/upstream';
import { clientAddress } from '../http/client-ip';
import type { Cookie } from '../http/cookie';
import { checkCsrf, isSafeMethod } from '../http/csrf';
import { errorResponse, PRIVATE_CACHE_CONTROL, toErrorResponse, withCookies } from '../http/response';
import { endRefusedSession, loadSession, mergeCookies, saveSession, updateSession, type LoadedSession } from '../session/load';
import type { StepUpChallenge } from '../step-up/challenge';
import { stepUpResponse } from '../step-up/response';
import type { SessionData } from '../types';

/** A server-side backend call's answer, plus the cookie changes a refresh made (if any). */
export interface ServerFetchResult {
  response: Response;
  /** Cookies to set when the caller can (route handler, Server Action). */
  cookies: Cookie[];
  /**
   * Set when the upstream asked for a stronger or more recent sign-in (RFC 9470): `response` is then
   * the 401 `step_up_required` JSON, and the session is unchanged.
   */
  stepUp?: StepUpChallenge;
}

/**
 * The forwarding route: the browser's API call under the upstream's mount goes to the upstream with
 * the session's access token attached on the server. Order matters: refuse bad paths and methods,
 * then CSRF, then the session, and only then talk to the upstream.
 *
 * @example
 * export const GET = (request: Request) => forwardRoute(ctx, request, 'api');
 */
export async function forwardRoute(ctx: BffContext, request: Request, name: string): Promise<Response> {
  try {
    const upstream = upstreamNamed(ctx, name);
    const target = resolveForwardTarget(request, upstream);
    if (!target.ok) ctx.telemetry.refused(upstream.name, request, target.response);
    if (!target.ok) return target.response;
    if (!isSafeMethod(request.method)) {
      const csrf = checkCsrf(request, { ...ctx.config.csrf, appOrigin: ctx.config.appOrigin }, 'header');
      ctx.telemetry.csrf(request, csrf);
      if (!csrf.ok) return errorResponse(csrf.code, csrf.message);
    }
    const loaded = await loadSession(ctx, request.headers.get('cookie'), refreshMode(upstream));
    const { response, cookies } = await sendWithSession(ctx, request, upstream, target.url, loaded);
    // Per-user data read with the session: never stored by shared caches (docs/security.md 29).
    response.headers.set('cache-control', PRIVATE_CACHE_CONTROL);
    return withCookies(response, cookies);
  } catch (error) {
    return toErrorResponse(error);
  }
}

/**
 * A backend call made by server code (Server Components, Server Actions, route handlers) for the
 * session in `cookieHeader`. It shares the forwarding code path: same allow-list, header hygiene,
 * refresh-ahead and one retry after a 401. Without `upstream`, the first configured one is called.
 *
 * @example
 * const { response } = await serverFetch(ctx, cookieHeader, 'api', '/auth/me');
 */
export async function serverFetch(
  ctx: BffContext,
  cookieHeader: string | null,
  name: string | undefined,
  path: string,
  init: RequestInit = {},
): Promise<ServerFetchResult> {
  const upstream = upstreamNamed(ctx, name ?? defaultUpstream(ctx));
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('bffkit: fetchBackend path must start with /');
  const request = new Request(new URL(upstream.mount + path, ctx.config.appUrl), init);
  const target = resolveForwardTarget(request, upstream);
  if (!target.ok) throw new TypeError(`bffkit: fetchBackend path or method not allowed for upstream '${upstream.name}'`);
  return sendWithSession(ctx, request, upstream, target.url, await loadSession(ctx, cookieHeader, refreshMode(upstream)));
}

/**
 * Whether the session's own access token must be fresh for this upstream: when it is sent (`session`)
 * or exchanged (`exchange`). An upstream with its own resource token, a machine token or none does not
 * need it, so a call there never refreshes it.
 */
function refreshMode(upstream: ResolvedUpstream): 'if-due' | 'never' {
  return upstream.token.kind === 'session' || upstream.token.kind === 'exchange' ? 'if-due' : 'never';
}

async function sendWithSession(
  ctx: BffContext,
  request: Request,
  upstream: ResolvedUpstream,
  url: URL,
  loaded: LoadedSession,
): Promise<ServerFetchResult> {
  if (loaded.kind === 'unavailable') return { response: toErrorResponse(loaded.error), cookies: [] };
  if (loaded.kind !== 'active') return { response: signedOut(loaded.kind), cookies: loaded.cookies };
  let cookies = loaded.cookies;
  let session = loaded.session;
  let presentNames = loaded.presentNames;
  /** Keeps a session that changed (a token obtained for this upstream); false when it ended meanwhile. */
  const keep = async (changed: SessionData): Promise<boolean> => {
    if (changed === session) return true;
    const saved = await saveSession(ctx, session, changed, presentNames, ctx.config.clock());
    if (saved.kind === 'unavailable') throw saved.error;
    cookies = mergeCookies(cookies, saved.cookies);
    if (saved.kind !== 'active') return false;
    ({ session, presentNames } = saved);
    return true;
  };
  /** The credential for this upstream's policy; null when the session ended on the way. */
  const credential = async (force: boolean): Promise<CallCredential | null> => {
    const got = await credentialFor(ctx, upstream.token, session, force);
    if (!got.ok) {
      if (!got.ended) throw got.error;
      const ended = await endRefusedSession(ctx, session, presentNames, ctx.config.clock(), 'refresh token rejected');
      if (ended.kind !== 'unavailable') cookies = mergeCookies(cookies, ended.cookies);
      return null;
    }
    return (await keep(got.session)) ? got.credential : null;
  };
  let first: CallCredential | null;
  try {
    first = await credential(false);
  } catch (error) {
    return { response: toErrorResponse(error), cookies };
  }
  if (!first) return { response: signedOut('ended'), cookies };
  let stepUp: StepUpChallenge | undefined;
  const response = await forwardTo(request, upstream, url, {
    credential: first,
    clientIp: clientAddress(request, { trustProxy: ctx.config.trustProxy }),
    appUrl: ctx.config.appUrl,
    send: ctx.telemetry.upstream(upstream.name),
    dpop: ctx.dpop,
    onStepUp: (challenge) => {
      stepUp = challenge;
      return stepUpResponse(challenge, ctx.config.backend.startLogin ? 'redirect' : 'form');
    },
    // The upstream refused the token (401, or for the backend's own API a status its adapter names,
    // such as Payload's 403) although it looked valid: get a new one once and retry once (the session's
    // own token is refreshed on the session in hand, not read from the cookie again).
    retryStatuses: upstream.token.kind === 'session' ? (ctx.config.backend.rejectedStatuses ?? [401]) : [401],
    onUnauthorized: async () => {
      if (upstream.token.kind === 'none') return null;
      if (upstream.token.kind !== 'session') return credential(true);
      const again = await updateSession(ctx, session, presentNames, false, 'force', ctx.config.clock());
      if (again.kind === 'active') {
        cookies = mergeCookies(cookies, again.cookies);
        ({ session, presentNames } = again);
        return credentialOf(session.tokens, session);
      }
      if (again.kind === 'ended') cookies = mergeCookies(cookies, again.cookies);
      return null;
    },
  });
  return stepUp ? { response, cookies, stepUp } : { response, cookies };
}

function signedOut(kind: 'anonymous' | 'ended'): Response {
  return kind === 'ended' ? errorResponse('session_expired', 'Your session has ended. Sign in again.') : errorResponse('unauthenticated', 'Sign in first.');
}

function upstreamNamed(ctx: BffContext, name: string): ResolvedUpstream {
  const upstream = ctx.config.upstreams.get(name);
  if (!upstream) throw new TypeError(`bffkit: no upstream named '${name}' is configured`);
  return upstream;
}

function defaultUpstream(ctx: BffContext): string {
  const first = ctx.config.upstreams.keys().next().value;
  if (first === undefined) throw new TypeError('bffkit: fetchBackend needs an upstream; configure `upstreams`');
  return first;
}
