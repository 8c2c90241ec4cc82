import type { BffContext } from '../context';
import { checkCsrf } from '../http/csrf';
import { MAX_FORM_BODY, mediaType, readText } from '../http/request-body';
import { errorResponse } from '../http/response';

/** How a state-changing request reached us: a fetch with JSON, or a plain HTML form post. */
export type BodyMode = 'json' | 'form';

/** The parsed body of a state-changing auth request, or the response refusing it. */
export type BodyResult = { ok: true; mode: BodyMode; fields: Record<string, unknown> } | { ok: false; response: Response };

/**
 * Checks CSRF and parses the body of a state-changing auth request.
 * JSON requests need the anti-forgery header (docs/security.md 13-14); form posts (the no-JavaScript
 * path) need an Origin equal to the app origin instead. Anything else is 415.
 *
 * @example
 * const body = await readRequestBody(ctx, request);
 * if (!body.ok) return body.response;
 */
export async function readRequestBody(ctx: BffContext, request: Request, allowEmpty = false): Promise<BodyResult> {
  const type = mediaType(request);
  const csrfOptions = { ...ctx.config.csrf, appOrigin: ctx.config.appOrigin };
  const hasHeader = request.headers.has(ctx.config.csrf.headerName);
  let mode: BodyMode;
  // A bodyless POST (allowEmpty) is a fetch call: without the header it must fail the CSRF check (403), not 415.
  if (type === 'application/json' || (allowEmpty && type === '')) mode = 'json';
  else if (type === 'application/x-www-form-urlencoded' && !hasHeader) mode = 'form';
  else if (type === 'application/x-www-form-urlencoded') mode = 'json';
  else return { ok: false, response: errorResponse('unsupported_media_type', 'Send application/json.') };
  const csrf = checkCsrf(request, csrfOptions, mode === 'json' ? 'header' : 'form');
  ctx.telemetry.csrf(request, csrf);
  if (!csrf.ok) return { ok: false, response: errorResponse(csrf.code, csrf.message) };
  const text = await readText(request, MAX_FORM_BODY);
  if (text === null) return { ok: false, response: errorResponse('payload_too_large', 'Request body too large.') };
  if (type === 'application/x-www-form-urlencoded') {
    return { ok: true, mode, fields: Object.fromEntries(new URLSearchParams(text)) };
  }
  if (text.trim() === '' && allowEmpty) return { ok: true, mode, fields: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return { ok: true, mode, fields: parsed as Record<string, unknown> };
  } catch {
    return { ok: false, response: errorResponse('invalid_request', 'The body must be a JSON object.') };
  }
}
