/**
 * Request builders and cookie helpers for the core's unit tests (re-exported by test-support.ts).
 * Not part of the public API; imports no test framework.
 */
import { serializeCookie, type Cookie } from '../http/cookie';
import { APP } from './constants';

/** A cookie value from the library, or a Set-Cookie line read off a response. */
export type CookieLike = Cookie | string;

/** The Set-Cookie line of a cookie (lines pass through). */
export function setCookieLine(c: CookieLike): string {
  return typeof c === 'string' ? c : serializeCookie(c);
}

/** Options of the request builders. */
export interface RequestOptions {
  cookie?: string;
  /** Origin header; `null` to send none. @default APP */
  origin?: string | null;
  /** Send the anti-forgery header. @default true for JSON, false for forms */
  csrf?: boolean;
  headers?: Record<string, string>;
}

/** A JSON POST as the app's own JavaScript sends it (Origin, x-csrf: 1). */
export function jsonPost(path: string, body: unknown, opts: RequestOptions = {}): Request {
  const headers = new Headers(opts.headers);
  headers.set('content-type', 'application/json');
  if (opts.csrf ?? true) headers.set('x-csrf', '1');
  const origin = opts.origin === undefined ? APP : opts.origin;
  if (origin !== null) headers.set('origin', origin);
  if (opts.cookie) headers.set('cookie', opts.cookie);
  return new Request(`${APP}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** An HTML form POST (application/x-www-form-urlencoded, Origin, no custom header). */
export function formPost(path: string, fields: Record<string, string>, opts: RequestOptions = {}): Request {
  const headers = new Headers(opts.headers);
  headers.set('content-type', 'application/x-www-form-urlencoded');
  if (opts.csrf) headers.set('x-csrf', '1');
  const origin = opts.origin === undefined ? APP : opts.origin;
  if (origin !== null) headers.set('origin', origin);
  if (opts.cookie) headers.set('cookie', opts.cookie);
  return new Request(`${APP}${path}`, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
}

/** A GET (with an optional Cookie header). */
export function get(path: string, opts: { cookie?: string; headers?: Record<string, string> } = {}): Request {
  const headers = new Headers(opts.headers);
  if (opts.cookie) headers.set('cookie', opts.cookie);
  return new Request(`${APP}${path}`, { headers });
}

/** Whether a cookie (or Set-Cookie line) deletes its cookie. */
export function isClearing(c: CookieLike): boolean {
  return /;\s*Max-Age=0(;|$)/i.test(setCookieLine(c));
}

/** Name of a cookie (or Set-Cookie line). */
export function setCookieName(c: CookieLike): string {
  const line = setCookieLine(c);
  return line.slice(0, line.indexOf('='));
}

/** The Cookie header a browser would send after these cookies (deletions dropped). */
export function cookieHeaderFrom(setCookies: readonly CookieLike[]): string {
  return setCookies
    .map(setCookieLine)
    .filter((l) => !isClearing(l))
    .map((l) => l.slice(0, l.indexOf(';') < 0 ? l.length : l.indexOf(';')))
    .join('; ');
}

