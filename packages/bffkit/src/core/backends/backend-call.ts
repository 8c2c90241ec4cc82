/**
 * One HTTP call of the credentials adapter: the configured headers, the Authorization scheme, a
 * deadline that covers the body, no redirects followed, and every failure classified with its
 * diagnostic (classify.ts).
 */
import type { BackendResult } from './adapter';
import { backendFailure, failureFromError, failureFromStatus } from './classify';
import type { ResolvedCredentials } from './credentials-types';
import type { BackendStep } from './diagnostics';

/** A 2xx answer, read. */
export interface Answer {
  status: number;
  /** The parsed JSON (`null` included); undefined for an empty body; {@link UNPARSEABLE} when not JSON. */
  data: unknown;
  contentType: string;
  /** `POST /api/token/`: the configured method and path, for diagnostics. */
  request: string;
}

/** The body was not JSON. */
export const UNPARSEABLE: unique symbol = Symbol('unparseable');

/** What to send. */
export interface CallSpec {
  step: BackendStep;
  method: 'GET' | 'POST';
  path: string;
  /** Sent as `Authorization: <authScheme> <credential>`. */
  credential?: string;
  /** Sent JSON or form-encoded (per `encoding`); absent: no body. */
  body?: Record<string, unknown>;
  encoding?: 'json' | 'form';
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /** Names of the fields sent, for the hint of a refused login. */
  sent?: readonly string[];
}

const MAX_ERROR_BODY = 8 * 1024;

/**
 * Sends one call to the backend and reads the answer (JSON), or the classified failure.
 *
 * @example
 * const r = await callBackend(o, { step: 'user', method: 'GET', path: '/auth/me', credential: accessToken });
 */
export async function callBackend(o: ResolvedCredentials, spec: CallSpec): Promise<BackendResult<Answer>> {
  const url = new URL(o.base.pathname.replace(/\/$/, '') + spec.path, o.base.origin);
  const request = `${spec.method} ${url.pathname}`;
  const headers: Record<string, string> = { accept: 'application/json', ...o.headers, ...spec.headers };
  if (spec.credential !== undefined) headers.authorization = `${o.authScheme} ${spec.credential}`;
  let body: string | undefined;
  if (spec.body) {
    const form = spec.encoding === 'form';
    headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
    body = form ? new URLSearchParams(spec.body as Record<string, string>).toString() : JSON.stringify(spec.body);
  }
  const facts = { request, target: url, timeout: o.timeout };
  let res: Response;
  try {
    res = await o.fetch(url, { method: spec.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(o.timeout * 1000) });
  } catch (error) {
    return failureFromError(spec.step, error, facts);
  }
  if (res.status < 200 || res.status >= 300) {
    const data = await readCapped(res).then(parseJson, () => undefined);
    const code = isObject(data) ? (data.code ?? data.error) : undefined;
    return failureFromStatus(spec.step, res.status, { request, code: typeof code === 'string' ? code : undefined, sent: spec.sent });
  }
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    // The deadline also covers the body: headers on time but a stalled body is still a timeout.
    return failureFromError(spec.step, error, facts);
  }
  const contentType = res.headers.get('content-type') ?? '';
  return { ok: true, value: { status: res.status, data: text.trim() === '' ? undefined : parseJson(text), contentType, request } };
}

/**
 * A 2xx answer whose body is unusable: the `unparseable` failure.
 *
 * @example
 * if (!isObject(answer.data)) return unparseable('login', answer);
 */
export function unparseable(step: BackendStep, answer: Answer): BackendResult<never> {
  const what = answer.data === UNPARSEABLE ? `a body that is not JSON (${answer.contentType.split(';')[0] || 'no content-type'})` : answer.data === undefined ? 'an empty body' : 'JSON that is not an object';
  return backendFailure('unavailable', {
    step, kind: 'unparseable', request: answer.request, status: answer.status,
    problem: `${answer.request} answered ${answer.status} with ${what}`,
    hint: `check ${step}.path (an HTML page answers there?) and that the backend answers JSON`,
  });
}

/**
 * A plain JSON object (not null, not an array).
 *
 * @example
 * isObject({ a: 1 }); // true
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return UNPARSEABLE;
  }
}

/** At most MAX_ERROR_BODY bytes of an error answer (the rest is dropped unread). */
async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY);
}
