import { BffError, type ErrorCode } from '../errors';

/** Headers every response that reads or writes the session carries (SECURITY.md 29). */
export const PRIVATE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'private, no-store',
  'x-content-type-options': 'nosniff',
};

/**
 * A JSON response with the private, no-store and nosniff headers.
 *
 * @example
 * return json({ status: 'unauthenticated' });
 */
export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json; charset=utf-8');
  for (const [k, v] of Object.entries(PRIVATE_HEADERS)) h.set(k, v);
  return new Response(JSON.stringify(body), { status, headers: h });
}

/**
 * The JSON error response for a code: `{ code, message }`, never a stack or a secret.
 *
 * @example
 * return errorResponse('csrf_failed', 'Missing anti-forgery header.');
 */
export function errorResponse(code: ErrorCode, message: string, headers?: HeadersInit): Response {
  const err = new BffError(code, message);
  return json({ code: err.code, message: err.message }, err.status, headers);
}

/**
 * Turns any thrown value into a JSON error response. Unknown errors become `internal_error`
 * with a fixed message, so nothing internal leaks.
 *
 * @example
 * try { ... } catch (e) { return toErrorResponse(e); }
 */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof BffError) {
    return json({ code: error.code, message: error.message }, error.status, error.headers);
  }
  return json({ code: 'internal_error', message: 'Internal error.' }, 500);
}
