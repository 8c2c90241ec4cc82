/**
 * Forwards one browser API call to its upstream with the access token attached on the server.
 */
import { sendWithCredential, type CallCredential } from '../credential/credential';
import { DpopHandles } from '../dpop/handles';
import { errorResponse, toErrorResponse } from '../http/response';
import { contentLength, limitBody, payloadTooLarge, peekBody } from '../http/request-body';
import { browserResponseHeaders, upstreamRequestHeaders } from './headers';
import { buildUpstreamUrl, resolveUpstreamPath } from './path';
import { stepUpChallengeOf, type StepUpChallenge } from '../step-up/challenge';
import { stepUpResponse } from '../step-up/response';
import { parseChallenges } from '../step-up/www-authenticate';
import { send, type UpstreamCall } from './transport';
import type { ResolvedUpstream } from './upstream';

/** What the caller knows about the session and the client. */
export interface ForwardContext {
  /** What the call carries: `Authorization: Bearer …`, or `DPoP …` with a proof, or nothing. */
  credential: CallCredential;
  /** The client's address, sent as `X-Forwarded-For` (omitted when not an IP address). */
  clientIp: string;
  /** The app's configured base URL: source of `X-Forwarded-Proto` / `X-Forwarded-Host`. */
  appUrl: URL;
  /** The transport (a traced one from the telemetry); @default the node:http `send` */
  send?: ((call: UpstreamCall) => Promise<Response>) | undefined;
  /** The configuration's DPoP handles (they keep the servers' nonces). @default a fresh set */
  dpop?: DpopHandles;
  /** Called once when the upstream refused the token and the body is replayable; returns a fresh credential or null. */
  onUnauthorized?: () => Promise<CallCredential | null>;
  /** The statuses that mean "token refused" and call `onUnauthorized` (some backends answer 403). @default [401] */
  retryStatuses?: readonly number[];
  /** The answer to a step-up challenge (RFC 9470, or the upstream's `stepUp` rule). @default a 401 `step_up_required` for a redirect sign-in */
  onStepUp?: (challenge: StepUpChallenge) => Response;
}

const UNAUTHORIZED: readonly number[] = [401];

/** Bodies up to this size are buffered (never more) so a 401 can be retried once; larger ones stream. */
export const MAX_REPLAYABLE_BODY_BYTES = 64 * 1024;

/**
 * Forwards `request` (mounted at `upstream.mount`) to the upstream and returns its response.
 *
 * Never throws for expected failures: bad path → 400, unknown path → 404, method → 405 (with
 * `Allow`), body too large → 413, upstream silent → 504, unreachable → 502, each as JSON
 * `{ code, message }`. Bodies stream both ways; only small replayable bodies are buffered.
 *
 * @example
 * export async function GET(request: Request) {
 *   return forwardRequest(request, backend, { credential: bearer(accessToken), clientIp: '203.0.113.7', appUrl: new URL('https://app.example.com') });
 * }
 */
export async function forwardRequest(request: Request, upstream: ResolvedUpstream, ctx: ForwardContext): Promise<Response> {
  const target = resolveForwardTarget(request, upstream);
  return target.ok ? forwardTo(request, upstream, target.url, ctx) : target.response;
}

/** Where a forwarded request goes, or the JSON error that refuses it (no upstream call). */
export type ForwardTarget = { ok: true; url: URL } | { ok: false; response: Response };

/**
 * Checks the mount, path and method of `request` against the upstream's rules, once, and answers the
 * upstream URL, or the 400 / 404 / 405 JSON response. Callers that must refuse bad paths before
 * reading the session (the forwarding route) resolve first and then call {@link forwardTo}.
 *
 * @example
 * const target = resolveForwardTarget(request, upstream);
 * if (!target.ok) return target.response;
 */
export function resolveForwardTarget(request: Request, upstream: ResolvedUpstream): ForwardTarget {
  const raw = afterMount(request.url, upstream.mount);
  if (raw === null) return { ok: false, response: errorResponse('path_not_allowed', 'No upstream route matches this path.') };
  const check = resolveUpstreamPath(raw, upstream, request.method.toUpperCase());
  if (!check.ok) {
    const allow = check.code === 'method_not_allowed' ? { allow: check.allow.join(', ') } : undefined;
    return { ok: false, response: errorResponse(check.code, check.message, allow) };
  }
  return { ok: true, url: buildUpstreamUrl(upstream, check) };
}

/**
 * Sends `request` to an already resolved upstream `url` (see {@link resolveForwardTarget}) and
 * returns the browser's response. Never throws for expected failures.
 *
 * @example
 * return forwardTo(request, upstream, target.url, { credential, clientIp, appUrl });
 */
export async function forwardTo(request: Request, upstream: ResolvedUpstream, url: URL, ctx: ForwardContext): Promise<Response> {
  try {
    return await exchange(request, upstream, url, ctx);
  } catch (error) {
    // Transport and body failures arrive as BffError; anything else is a bug → internal_error.
    return toErrorResponse(error);
  }
}

async function exchange(request: Request, upstream: ResolvedUpstream, url: URL, ctx: ForwardContext): Promise<Response> {
  const method = request.method.toUpperCase();

  const declared = contentLength(request.headers);
  if (Number.isNaN(declared)) return errorResponse('invalid_request', 'Invalid Content-Length.');
  // Why: refuse before contacting the upstream when the size is known up front.
  if (declared !== null && declared > upstream.maxRequestBodyBytes) throw payloadTooLarge();
  const limit = Math.min(declared ?? Infinity, upstream.maxRequestBodyBytes);

  let body: UpstreamCall['body'] = null;
  if (request.body !== null && method !== 'GET' && method !== 'HEAD') {
    if (declared !== null && declared > MAX_REPLAYABLE_BODY_BYTES) body = limitBody(request.body, limit);
    else {
      // Small (or unknown-size) bodies: buffer at most 64 KB so a 401 can be retried once.
      const peeked = await peekBody(request.body, MAX_REPLAYABLE_BODY_BYTES, limit);
      body = peeked.complete ? peeked.bytes : peeked.stream;
    }
  }
  const replayable = !(body instanceof ReadableStream);

  const headers = upstreamRequestHeaders(request.headers, upstream, ctx);
  if (declared !== null && body instanceof ReadableStream) headers['content-length'] = String(declared);
  const handles = ctx.dpop ?? new DpopHandles();
  const call = (credential: CallCredential): Promise<Response> =>
    sendWithCredential({ url, method, body, timeoutMs: upstream.timeoutMs, signal: request.signal, headers }, credential, handles, ctx.send ?? send);

  let response = await call(ctx.credential);
  // A DPoP server nonce was demanded (RFC 9449 section 9): the handle holds it now; once more.
  if (response.status === 401 && replayable && ctx.credential.scheme === 'DPoP' && nonceDemanded(response)) {
    await discard(response);
    response = await call(ctx.credential);
  }
  if (response.status === 401 || response.status === upstream.stepUp?.status) {
    // A stronger sign-in is needed: refreshing cannot help, the user must sign in again (RFC 9470).
    const challenge = await stepUpChallengeOf(response, upstream.stepUp);
    if (challenge) {
      await discard(response);
      return (ctx.onStepUp ?? ((c) => stepUpResponse(c, 'redirect')))(challenge);
    }
  }
  if ((ctx.retryStatuses ?? UNAUTHORIZED).includes(response.status) && replayable && ctx.onUnauthorized) {
    // Why once: a second 401 with a fresh token is the answer; looping would hammer the backend.
    const first = response;
    const fresh = await ctx.onUnauthorized().catch((error: unknown) => {
      void discard(first);
      throw error;
    });
    if (fresh) {
      await discard(first);
      response = await call(fresh);
    }
  }
  return new Response(response.body, {
    status: response.status,
    headers: browserResponseHeaders(response.headers, upstream, url),
  });
}

function nonceDemanded(response: Response): boolean {
  return parseChallenges(response.headers.get('www-authenticate')).some((c) => c.scheme === 'dpop' && c.params.error === 'use_dpop_nonce');
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** The raw path+query after the mount (prefix match on a segment boundary), or null. */
function afterMount(href: string, mount: string): string | null {
  // Why raw string work: request.url is already serialised; re-parsing would not undo anything
  // but costs time, and slicing keeps the percent-encoding exactly as received.
  const start = href.indexOf('/', href.indexOf('//') + 2);
  if (start === -1) return null;
  const hash = href.indexOf('#', start);
  const target = hash === -1 ? href.slice(start) : href.slice(start, hash);
  if (!target.startsWith(mount)) return null;
  const rest = target.slice(mount.length);
  if (rest !== '' && rest[0] !== '/' && rest[0] !== '?') return null;
  return rest;
}
