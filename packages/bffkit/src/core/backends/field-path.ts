/**
 * Dotted field paths into a backend's JSON answer (`data.access_token`, `session.expiresAt`,
 * `items.0.token`): validated once at start-up, read with own properties only.
 */
import { ConfigError } from '../errors';

const PATH = /^[A-Za-z0-9_$-]{1,64}(?:\.[A-Za-z0-9_$-]{1,64}){0,7}$/;

/**
 * Validates a configured field path (or `''` for the whole answer, when `allowRoot`). Throws
 * {@link ConfigError} naming `field`.
 *
 * @example
 * fieldPath('backend.tokens.access', 'data.access_token');
 */
export function fieldPath(field: string, value: unknown, allowRoot = false): string {
  if (allowRoot && value === '') return '';
  if (typeof value !== 'string' || !PATH.test(value)) {
    throw new ConfigError(field, "must be a field path such as 'access_token' or 'data.access_token' (names joined by dots)");
  }
  if (value.split('.').some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new ConfigError(field, 'must not name __proto__, constructor or prototype');
  }
  return value;
}

/**
 * The value at `path` in `data` (own properties only; array items by index), or undefined.
 *
 * @example
 * readPath({ data: { access_token: 'x' } }, 'data.access_token'); // 'x'
 */
export function readPath(data: unknown, path: string): unknown {
  if (path === '') return data;
  let value: unknown = data;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The deepest object along `path` that exists, and its path: where to look when a field is
 * missing ("`data` has keys: token, user").
 *
 * @example
 * deepestObject({ data: { token: 'x' } }, 'data.access_token'); // { at: 'data', value: { token: 'x' } }
 */
export function deepestObject(data: unknown, path: string): { at: string; value: unknown } {
  const parts = path === '' ? [] : path.split('.');
  let at = '';
  let value = data;
  for (const part of parts.slice(0, -1)) {
    const next = readPath(value, part);
    if (!next || typeof next !== 'object') break;
    at = at ? `${at}.${part}` : part;
    value = next;
  }
  return { at, value };
}

/**
 * Paths (depth ≤ 3) of the values for which `test` holds: how `check-backend` and the diagnostics
 * suggest a field path ("the access token looks like it is at `data.access_token`").
 *
 * @example
 * findPaths(answer, (key, value) => /token/i.test(key) && typeof value === 'string');
 */
export function findPaths(data: unknown, test: (key: string, value: unknown) => boolean, depth = 3, prefix = ''): string[] {
  if (!data || typeof data !== 'object' || Array.isArray(data) || depth === 0) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!/^[A-Za-z0-9_$-]{1,64}$/.test(key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (test(key, value)) found.push(path);
    else found.push(...findPaths(value, test, depth - 1, path));
  }
  return found;
}

/** Key names that usually hold an access token, for suggestions. */
export const ACCESS_TOKEN_KEY = /^(access_?token|accessToken|token|access|jwt|id_?token|refreshedToken|session_?token|sessionToken)$/i;
/** Key names that usually hold a refresh token. */
export const REFRESH_TOKEN_KEY = /^(refresh_?token|refreshToken|refresh)$/i;
/** Key names that usually hold an expiry. */
export const EXPIRY_KEY = /^(expires_?in|expiresIn|exp|expires_?at|expiresAt|expiry|expires|ttl)$/i;
