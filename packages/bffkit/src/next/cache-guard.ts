/**
 * The development-time guard of bff.perUser(): `'use cache'` stores a cached function's arguments in
 * its cache key and its result as the entry, both in plain text (Next's default cache keeps them in
 * memory, a cache handler receives them as they are). A token, or the session cookie that unlocks
 * the tokens, must never be there. bffkit never hands a token to app code, so this catches the ways
 * one could still get in: a value read from `bff.core()`, a cookie read by hand, a backend answer
 * that echoes a token.
 */

/** A JSON Web Token (compact JWS/JWE): base64url header `eyJ…` . payload `eyJ…` . rest. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
/** Shorter values are not checked by content (too many false positives, and no token is that short). */
const MIN_SECRET_CHARS = 16;
/** Bounds of the walk: cached arguments are small; a huge value is not searched to the end. */
const MAX_DEPTH = 12;
const MAX_NODES = 20_000;

/** A secret to look for and how to name it in the error. */
export type Needle = { value: string; what: string };

/**
 * Throws when `value` (walked deeply: arrays, plain objects, Maps, Sets) holds one of the `needles`
 * or, when `jwtShape` is set, anything shaped like a JWT. The message names where, never the value.
 *
 * @throws TypeError `bffkit: … the session's access token …`
 * @example
 * assertNoSecrets(args, [{ value: tokens.accessToken, what: "the session's access token" }], 'an argument of the cached function', true);
 */
export function assertNoSecrets(value: unknown, needles: readonly Needle[], where: string, jwtShape: boolean): void {
  const usable = needles.filter((n) => typeof n.value === 'string' && n.value.length >= MIN_SECRET_CHARS);
  const found = search(value, usable, jwtShape);
  if (!found) return;
  throw new TypeError(
    `bffkit: ${where} holds ${found.what} (at ${found.path}). Cached arguments and results are stored in plain text: ` +
      'pass ids and plain data, and call the backend inside the cached function with bff.fetchBackendFor(user, path). ' +
      '(This check runs in development only.)',
  );
}

function search(root: unknown, needles: readonly Needle[], jwtShape: boolean): { what: string; path: string } | null {
  const seen = new Set<object>();
  let nodes = 0;
  const visit = (value: unknown, path: string, depth: number): { what: string; path: string } | null => {
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) return null;
    if (typeof value === 'string') {
      for (const n of needles) if (value.includes(n.value)) return { what: n.what, path };
      if (jwtShape && JWT.test(value)) return { what: 'a JSON Web Token', path };
      return null;
    }
    if (!value || typeof value !== 'object' || seen.has(value)) return null;
    seen.add(value);
    const entries: [string, unknown][] =
      value instanceof Map
        ? [...value].flatMap(([k, v], i): [string, unknown][] => [[`${path}.<key ${i}>`, k], [`${path}.get(${i})`, v]])
        : value instanceof Set
          ? [...value].map((v, i): [string, unknown] => [`${path}.<item ${i}>`, v])
          : Object.entries(value).map(([k, v]): [string, unknown] => [Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`, v]);
    for (const [p, v] of entries) {
      const hit = visit(v, p, depth + 1);
      if (hit) return hit;
    }
    return null;
  };
  return visit(root, '$', 0);
}
