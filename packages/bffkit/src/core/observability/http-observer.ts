import { BffError } from '../errors';
import { send, type UpstreamCall } from '../forward/transport';
import type { EventFields, LoginFailureReason } from './events';
import type { OtelAttributes } from './otel-api';
import type { Telemetry } from './telemetry';
import { errorType, traceparentOf } from './tracing';

const MAX_PATH = 256;
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);
const QUERY_KEY = /^[A-Za-z0-9_.~-]{1,40}$/;

/**
 * The request's path for an event: no query (it may hold anything), at most 256 characters, control
 * characters replaced. The path itself is what the browser asked for, percent-encoded as received.
 *
 * @example
 * eventPath(request) // '/api/backend/..%2fadmin'
 */
export function eventPath(request: Request): string {
  let path: string;
  try {
    path = new URL(request.url).pathname;
  } catch {
    return '?';
  }
  // eslint-disable-next-line no-control-regex
  return path.slice(0, MAX_PATH).replace(/[\x00-\x1f\x7f]/g, '?');
}

/** The method for an event or span: one of the HTTP methods, else `_OTHER` (never free text). */
export function eventMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/**
 * The fields of `csrf.rejected`.
 *
 * @example
 * csrfRefusal(request, 'forbidden_origin') // { code: 'forbidden_origin', method: 'POST', path: '/api/auth/login' }
 */
export function csrfRefusal(request: Request, code: 'csrf_failed' | 'forbidden_origin'): EventFields['csrf.rejected'] {
  return { code, method: eventMethod(request.method), path: eventPath(request) };
}

const REFUSAL_BY_STATUS: Record<number, EventFields['forward.refused']['code']> = { 400: 'invalid_request', 404: 'path_not_allowed', 405: 'method_not_allowed' };

/**
 * The fields of `forward.refused`, the code from the refusal's status (400, 404 or 405).
 *
 * @example
 * forwardRefusal('api', request, 404) // { upstream: 'api', method: 'GET', path: '/api/backend/admin', code: 'path_not_allowed' }
 */
export function forwardRefusal(upstream: string, request: Request, status: number): EventFields['forward.refused'] {
  return { upstream, method: eventMethod(request.method), path: eventPath(request), code: REFUSAL_BY_STATUS[status] ?? 'invalid_request' };
}

type Failure<R> = { type: 'rate_limited'; retryAfter: number } | { type: 'failed'; reason: R };

const LOGIN_REASONS: Partial<Record<string, LoginFailureReason>> = {
  login_failed: 'rejected',
  token_rejected: 'rejected',
  invalid_request: 'invalid_request',
  not_found: 'invalid_request',
  upstream_unavailable: 'unavailable',
  upstream_timeout: 'timeout',
  store_unavailable: 'store_unavailable',
};

/**
 * The class of a failed sign-in, from the error it ended with (never the error's message).
 *
 * @example
 * loginFailure(new BffError('login_failed', '…')) // { type: 'failed', reason: 'rejected' }
 */
export function loginFailure(error: unknown): Failure<LoginFailureReason> {
  if (error instanceof BffError && error.code === 'rate_limited') return { type: 'rate_limited', retryAfter: Number(error.headers['retry-after']) || 0 };
  return { type: 'failed', reason: (error instanceof BffError && LOGIN_REASONS[error.code]) || 'internal' };
}

/**
 * The class of a refused handoff (as {@link loginFailure}, with `rejected` for a refused token).
 *
 * @example
 * handoffFailure(new BffError('token_rejected', '…')) // { type: 'failed', reason: 'rejected' }
 */
export function handoffFailure(error: unknown): Failure<EventFields['handoff.refused']['reason']> {
  const failure = loginFailure(error);
  if (failure.type === 'rate_limited') return failure;
  const reason = failure.reason === 'denied' || failure.reason === 'invalid_response' ? 'rejected' : failure.reason;
  return { type: 'failed', reason };
}

/**
 * `url.full` as the semantic conventions want it, stricter: no credentials (a configured upstream
 * has none anyway) and every query value replaced by `REDACTED` (values may be personal or secret);
 * query keys that are not plain short names are replaced too.
 *
 * @example
 * redactedUrl(new URL('http://api:4000/notes?q=alice&page=2')) // 'http://api:4000/notes?q=REDACTED&page=REDACTED'
 */
export function redactedUrl(url: URL): string {
  const base = `${url.protocol}//${url.host}${url.pathname}`;
  if (!url.search) return base;
  const keys = [...new URLSearchParams(url.search).keys()].map((k) => `${QUERY_KEY.test(k) ? k : 'REDACTED'}=REDACTED`);
  return `${base}?${keys.join('&')}`;
}

/**
 * The transport of one forwarded (or server-side) call, observed: an HTTP client span per attempt
 * (named by the method, with `http.request.method`, `server.address`, `server.port`, `url.full`,
 * `http.response.status_code`, `error.type`, `http.request.resend_count`), the `traceparent` of that
 * span sent upstream (when `propagate`), and `bffkit.upstream.request.duration`. Undefined when there
 * is nothing to observe: the caller then uses the plain transport.
 *
 * @example
 * const sendUpstream = tracedSend(telemetry, 'api') ?? send;
 */
export function tracedSend(t: Telemetry, upstream: string): ((call: UpstreamCall) => Promise<Response>) | undefined {
  const { tracing, metrics } = t;
  if (!tracing.tracer && !metrics.active) return undefined;
  let attempts = 0;
  return async (call) => {
    const resends = attempts++;
    const attributes: OtelAttributes = {
      'http.request.method': eventMethod(call.method),
      'server.address': call.url.hostname,
      'server.port': Number(call.url.port) || (call.url.protocol === 'https:' ? 443 : 80),
      'bffkit.upstream': upstream,
    };
    const span = tracing.start(attributes['http.request.method'] as string, { ...attributes, 'url.full': redactedUrl(call.url), ...(resends > 0 && { 'http.request.resend_count': resends }) }, tracing.api?.SpanKind.CLIENT);
    const traceparent = span && t.propagate ? traceparentOf(span) : null;
    const started = performance.now();
    let status: number | undefined;
    let failure: string | undefined;
    try {
      const response = await send(traceparent ? { ...call, headers: { ...call.headers, traceparent } } : call);
      status = response.status;
      if (status >= 400) failure = String(status);
      return response;
    } catch (error) {
      failure = errorType(error);
      throw error;
    } finally {
      const done = { ...attributes, ...(status !== undefined && { 'http.response.status_code': status }), ...(failure && { 'error.type': failure }) };
      metrics.upstream((performance.now() - started) / 1000, done);
      if (span) {
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (failure) tracing.fail(span, failure);
        span.end();
      }
    }
  };
}
