import { createHash } from 'node:crypto';
import { createBff, type Bff } from '../core/bff';
import type { BffOptions } from '../core/config';

/**
 * One bffkit core per process for one configuration.
 *
 * Why: Next.js bundles proxy.ts, route handlers and Server Components separately, and each bundle
 * evaluates the app's `lib/bff.ts` on its own. Without sharing, each bundle builds its own core with
 * its own in-memory state, and they do not see each other:
 * - a logout handled by the route handler ends the session only there: proxy.ts and the pages keep
 *   accepting the replayed cookie (docs/security.md 11);
 * - proxy.ts and a route handler refreshing the same token at the same time each call the backend,
 *   and a rotating backend treats the second call as token theft and revokes the family (docs/security.md 24);
 * - login failure counters and the decrypted-cookie cache are split too.
 * The cores are kept on `globalThis` (shared by every bundle of the process) under a fingerprint of
 * the options, so an identical configuration gets the identical core.
 *
 * @example
 * const bff = sharedCore(options); // the same object in proxy.ts, route handlers and pages
 */
export function sharedCore(options: BffOptions): Bff {
  const g = globalThis as { [REGISTRY]?: Map<string, Bff> };
  const cores = (g[REGISTRY] ??= new Map());
  const key = fingerprint(options);
  let bff = cores.get(key);
  if (!bff) {
    bff = createBff(options);
    cores.set(key, bff);
  }
  return bff;
}

const REGISTRY = Symbol.for('bffkit.next.cores.v1');

/**
 * A hash of the serialisable parts of the options (secrets included: hashed, kept in memory only).
 * Functions are left out (each bundle has its own copy of the same code), and so are the insides of
 * class instances such as a Redis client (each bundle builds its own, equivalent one).
 */
function fingerprint(options: BffOptions): string {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(options, (_key, value: unknown) => {
    if (typeof value === 'function') return undefined;
    if (value && typeof value === 'object') {
      if (seen.has(value)) return '[seen]';
      seen.add(value);
      const proto = Object.getPrototypeOf(value) as object | null;
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        return `[${(value as object).constructor?.name ?? 'object'}]`;
      }
    }
    return value;
  });
  return createHash('sha256').update(text ?? '').digest('base64url');
}
