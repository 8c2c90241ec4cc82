/**
 * Building responses. Every response bffkit answers is made here: JSON bodies, JSON errors, the 303
 * of the no-JavaScript forms, and the Set-Cookie lines, serialised from cookie values at this edge.
 */
import { BffError, ConfigError, type ErrorCode } from '../errors';
import type { Logger } from '../logger';
import { serializeCookie, type Cookie } from './cookie';

/** Headers every response that reads or writes the session carries (docs/security.md 29). */
export const PRIVATE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'private, no-store',
  'x-content-type-options': 'nosniff',
};

/** The Cache-Control of anything that depends on the session. */
export const PRIVATE_CACHE_CONTROL = 'private, no-store';

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

/**
 * The answer for an error that escaped a handler (or the construction of bffkit itself): a
 * misconfiguration is logged with the field it names, any other unexpected error with its name only
 * (an error's message may carry data), and the answer is the JSON of {@link toErrorResponse}.
 *
 * @example
 * try { return await handle(request); } catch (error) { return failureResponse(error, logger); }
 */
export function failureResponse(error: unknown, logger: Logger): Response {
  if (error instanceof ConfigError) logger.error(error.detail);
  else if (!(error instanceof BffError)) logger.error(`unexpected ${describe(error)}`);
  return toErrorResponse(error);
}

/** A loggable description: bffkit's own TypeErrors (caller misuse) by message, anything else by name. */
function describe(error: unknown): string {
  if (error instanceof TypeError && error.message.startsWith('bffkit: ')) return `error: ${error.message.slice(8)}`;
  return `error: ${(error as Error)?.name ?? typeof error}`;
}

/**
 * Adds the cookies as Set-Cookie lines (and the private, no-store Cache-Control) to a response.
 *
 * @example
 * return withCookies(json(body), loaded.cookies);
 */
export function withCookies(response: Response, cookies: readonly Cookie[]): Response {
  if (cookies.length === 0) return response;
  for (const c of cookies) response.headers.append('set-cookie', serializeCookie(c));
  response.headers.set('cache-control', PRIVATE_CACHE_CONTROL);
  return response;
}

/**
 * A 303 See Other to a same-origin path, built from the configured app URL (never from Host).
 *
 * @example
 * return seeOther(config.appUrl, '/profile', cookies);
 */
export function seeOther(appUrl: URL, path: string, cookies: readonly Cookie[] = []): Response {
  const headers = new Headers(PRIVATE_HEADERS);
  headers.set('location', new URL(path, appUrl).toString());
  return withCookies(new Response(null, { status: 303, headers }), cookies);
}
