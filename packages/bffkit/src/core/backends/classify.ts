/**
 * The error classification every adapter shares: an HTTP status or a fetch error → `rejected`,
 * `unavailable` or `timeout`, with the diagnostic that says how to fix it. Exported for custom
 * adapters (docs/adapters.md).
 */
import type { BackendDiagnostic, BackendStep, DiagnosticKind } from './diagnostics';
import { safeCode } from './diagnostics';
import type { FailureReason } from './failure';

/** A failed {@link BackendResult}. */
export type BackendFailure = { ok: false; reason: FailureReason; diagnostic?: BackendDiagnostic };

/** What is known about a failed call, for the diagnostic. */
export interface CallFacts {
  /** The method and configured path, e.g. `POST /auth/login`. */
  request: string;
  /** A short error code from the body (`code` or `error`), only if it is clearly not a token. */
  code?: string;
  /** Field names the request sent (login), for the hint. */
  sent?: readonly string[];
}

/**
 * A failure value, with an optional diagnostic. The diagnostic is attached non-enumerable: the
 * result stays the plain `{ ok, reason }` value for comparisons, spreads and `JSON.stringify`, so
 * configuration details meant for the server log can never ride along into a response by accident.
 *
 * @example
 * return backendFailure('rejected');
 */
export function backendFailure(reason: FailureReason, diagnostic?: BackendDiagnostic): BackendFailure {
  const failure: BackendFailure = { ok: false, reason };
  if (diagnostic) Object.defineProperty(failure, 'diagnostic', { value: diagnostic, enumerable: false });
  return failure;
}

/**
 * The failure for a non-2xx answer. 3xx, 404, 405, 429 and 5xx are `unavailable` (a configuration or
 * backend problem, never "wrong password"); other 4xx are `rejected`. A plain 401 on login and 400/401/403
 * on refresh (wrong password, invalid_grant) are expected and carry no diagnostic.
 *
 * @example
 * if (!res.ok) return failureFromStatus('login', res.status, { request: 'POST /auth/login' });
 */
export function failureFromStatus(step: BackendStep, status: number, facts: CallFacts): BackendFailure {
  const { request } = facts;
  const code = safeCode(facts.code);
  const said = `${request} answered ${status}${code ? ` (code ${code})` : ''}`;
  const d = (kind: DiagnosticKind, hint: string, level?: 'info'): BackendDiagnostic => ({
    step, kind, request, status, problem: said, hint, ...(level ? { level } : {}),
  });
  const option = `${step}.path`;
  if (status >= 500) return backendFailure('unavailable', d('server-error', 'the backend failed; see its own log'));
  if (status >= 300 && status < 400) {
    return backendFailure('unavailable', d('redirect', `bffkit never follows a redirect with credentials: point ${option} (and the backend url) at the final address; check http vs https and a trailing slash`));
  }
  if (status === 404) return backendFailure('unavailable', d('not-found', `check the backend url and ${option} (is a path prefix such as /api missing or doubled?)`));
  if (status === 405) return backendFailure('unavailable', d('method-not-allowed', `the path exists but not for this method: check ${option} (a trailing slash the backend needs?)`));
  if (status === 429) {
    return backendFailure('unavailable', d('rate-limited', "the backend's own rate limit refused bffkit; all calls come from the app's address: send the client address (clientIpHeader, with trustProxy) or raise the backend's limit"));
  }
  if (status === 403 && code && /origin/i.test(code)) {
    return backendFailure('rejected', d('origin-refused', "the backend wants a trusted Origin header: set origin: true (sends the backend's own origin) or origin: 'https://your-app' and trust it at the backend"));
  }
  if (step === 'refresh' && (status === 400 || status === 401 || status === 403)) return backendFailure('rejected');
  if (step === 'login') {
    if (status === 401) return backendFailure('rejected');
    if (status === 403) return backendFailure('rejected', d('forbidden', 'a locked or unverified account, or a CSRF/origin check; if every sign-in fails, check headers and origin', 'info'));
    const sent = facts.sent?.length ? ` (sent: ${facts.sent.join(', ')})` : '';
    return backendFailure('rejected', d('refused-request', `if every sign-in fails, the request shape is wrong: check login.fields${sent} and login.encoding`, 'info'));
  }
  if (status === 401 || status === 403) {
    const hint = step === 'logout'
      ? 'the token may have expired or been revoked already; if every logout fails, check logout.mode and logout.requiresLiveToken'
      : "the backend refused the access token: check authScheme and user.path, or take the user from the login answer (user.from: 'login') or the token's claims";
    return backendFailure('rejected', d('token-refused', hint));
  }
  return backendFailure('rejected', d('refused-request', `the backend refused the request: check ${option}${step === 'logout' ? ', logout.mode and logout.field' : ''}`));
}

/**
 * The failure for a call that brought no answer: `timeout` when the deadline passed (also while
 * reading the body), else `unavailable` (refused connection, DNS, TLS).
 *
 * @example
 * try { res = await fetch(url, init); } catch (error) { return failureFromError('refresh', error, { request: 'POST /auth/refresh', target: url, timeout: 10 }); }
 */
export function failureFromError(step: BackendStep, error: unknown, facts: { request: string; target: URL; timeout: number }): BackendFailure {
  const { request, target } = facts;
  if ((error as Error)?.name === 'TimeoutError') {
    return backendFailure('timeout', {
      step, kind: 'timeout', request, problem: `${request}: no answer within ${facts.timeout} s`, hint: 'check that the backend is healthy, or raise timeout',
    });
  }
  const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
  const why = typeof cause === 'string' && /^[A-Z_]{2,40}$/.test(cause) ? ` (${cause})` : '';
  return backendFailure('unavailable', {
    step, kind: 'unreachable', request, problem: `${request}: could not connect to ${target.host}${why}`,
    hint: 'check the backend url and that the backend runs and is reachable from the app',
  });
}
