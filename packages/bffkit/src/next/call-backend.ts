import { ERROR_STATUS, type ErrorCode } from '../core/errors';

/**
 * What `bff.callBackend()` answers: a plain, serialisable value, so a Server Action can return it to
 * the browser as it is. Never a redirect, never a thrown error for an expected outcome.
 *
 * - `ok: true`: the backend answered 2xx; `data` is its JSON body (`null` when empty, the text when not JSON).
 * - `ok: false` with one of bffkit's codes: no backend answer to speak of, e.g. `session_expired`
 *   (the session ended: sign in again), `unauthenticated` (nobody is signed in),
 *   `upstream_unavailable` / `upstream_timeout`, `store_unavailable`.
 * - `ok: false` with `backend_error`: the backend itself answered 4xx/5xx; `data` is its body.
 */
export type CallResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; code: CallErrorCode; message: string; data?: unknown };

/** bffkit's own error codes, or `backend_error` for the backend's own non-2xx answers. */
export type CallErrorCode = ErrorCode | 'backend_error';

/**
 * Turns a `fetchBackend` response into a {@link CallResult}. A body `{ code, message }` with one of
 * bffkit's codes at that code's status is bffkit's own answer (no session, upstream down); anything
 * else not 2xx is the backend's.
 *
 * @example
 * const result = await toCallResult<Note[]>(await bff.fetchBackend('/notes'));
 */
export async function toCallResult<T>(response: Response): Promise<CallResult<T>> {
  const { status } = response;
  const data = await readBody(response);
  if (response.ok) return { ok: true, status, data: data as T };
  if (isOwnError(data, status)) return { ok: false, status, code: data.code, message: data.message };
  return { ok: false, status, code: 'backend_error', message: `The backend answered ${status}.`, data };
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  if (!/\bjson\b/i.test(response.headers.get('content-type') ?? '')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isOwnError(body: unknown, status: number): body is { code: ErrorCode; message: string } {
  if (!body || typeof body !== 'object') return false;
  const { code, message } = body as { code?: unknown; message?: unknown };
  return (
    typeof code === 'string' &&
    typeof message === 'string' &&
    Object.hasOwn(ERROR_STATUS, code) &&
    ERROR_STATUS[code as ErrorCode] === status &&
    Object.keys(body).length === 2
  );
}
