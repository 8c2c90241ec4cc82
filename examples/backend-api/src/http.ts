import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MAX_JSON_BODY_BYTES } from './config';

/** Error codes this backend answers with. */
export type BackendErrorCode =
  | 'invalid_request'
  | 'payload_too_large'
  | 'invalid_credentials'
  | 'invalid_grant'
  | 'invalid_token'
  | 'token_expired'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_user_authentication'
  | 'not_found'
  | 'internal_error';

/**
 * Builds the JSON error response `{ code, message }` used everywhere.
 *
 * @example
 * return problem(c, 400, 'invalid_request', 'title must be a string');
 */
export function problem(
  c: Context,
  status: ContentfulStatusCode,
  code: BackendErrorCode,
  message: string,
  headers?: Record<string, string>,
): Response {
  return c.json({ code, message }, status, headers);
}

/** A parsed input, or why it was refused (a value, not an exception). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; status: 400 | 413; code: BackendErrorCode; message: string };

const bad = (message: string): Parsed<never> => ({ ok: false, status: 400, code: 'invalid_request', message });
const tooLarge = (): Parsed<never> => ({
  ok: false,
  status: 413,
  code: 'payload_too_large',
  message: `The request body exceeds ${MAX_JSON_BODY_BYTES} bytes.`,
});

/**
 * Reads a JSON object body with a size cap, streaming so a huge body is never buffered.
 * Accepts a missing content-type or any `*json*` media type.
 *
 * @example
 * const body = await readJsonObject(c.req.raw);
 * if (!body.ok) return problem(c, body.status, body.code, body.message);
 */
export async function readJsonObject(
  request: Request,
  limit = MAX_JSON_BODY_BYTES,
): Promise<Parsed<Record<string, unknown>>> {
  const type = request.headers.get('content-type');
  if (type !== null && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type.trim())) {
    return bad('The request body must be application/json.');
  }
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return tooLarge();
  if (!request.body) return bad('A JSON object body is required.');

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return tooLarge();
      }
      chunks.push(value);
    }
  } catch {
    return bad('The request body could not be read.');
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return bad('The request body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad('The request body must be a JSON object.');
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** Length bounds of a string field (UTF-16 code units). */
interface Bounds {
  min: number;
  max: number;
}

function checkString(value: unknown, name: string, bounds: Bounds): Parsed<string> {
  if (typeof value !== 'string') return bad(`"${name}" must be a string.`);
  if (value.length < bounds.min || value.length > bounds.max) {
    return bad(`"${name}" must be ${bounds.min} to ${bounds.max} characters long.`);
  }
  return { ok: true, value };
}

/**
 * Validates a required string field of a parsed body.
 *
 * @example
 * const title = stringField(body, 'title', { min: 1, max: 200 });
 * if (!title.ok) return problem(c, 400, title.code, title.message);
 */
export function stringField(body: Record<string, unknown>, name: string, bounds: Bounds): Parsed<string> {
  if (!Object.hasOwn(body, name) || body[name] === undefined) return bad(`"${name}" is required.`);
  return checkString(body[name], name, bounds);
}

/**
 * Validates an optional string field: absent gives `undefined`, present must be a valid string.
 *
 * @example
 * const title = optionalStringField(body, 'title', { min: 1, max: 200 });
 */
export function optionalStringField(
  body: Record<string, unknown>,
  name: string,
  bounds: Bounds,
): Parsed<string | undefined> {
  if (!Object.hasOwn(body, name) || body[name] === undefined) return { ok: true, value: undefined };
  return checkString(body[name], name, bounds);
}

/**
 * Parses a non-negative integer query parameter within bounds.
 *
 * @example
 * const ms = intQuery(c.req.query('ms'), 'ms', 0, 60_000);
 */
export function intQuery(raw: string | undefined, name: string, min: number, max: number): Parsed<number> {
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return bad(`"${name}" must be an integer.`);
  const value = Number(raw);
  if (value < min || value > max) return bad(`"${name}" must be between ${min} and ${max}.`);
  return { ok: true, value };
}
