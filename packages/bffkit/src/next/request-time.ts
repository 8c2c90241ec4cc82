import * as nextCache from 'next/cache';
import { connection } from 'next/server';

type Io = () => Promise<void>;

/** Next's `io()` (Next ≥ 16.3), read once; undefined on older versions. */
const io: Io | undefined = typeof (nextCache as { io?: unknown }).io === 'function' ? (nextCache as { io: Io }).io : undefined;

/**
 * Waits until the code that follows runs for a real request, never while Next prerenders.
 *
 * Why: every session read looks at the clock (lifetimes, expiry) and may draw random bytes (new
 * session ids, refresh). With Cache Components, Next prerenders each page's static shell at build
 * time and for prefetches; a clock read there is an error ("used `Date.now()` before accessing
 * uncached data"). Reading `headers()` first is not enough: it resolves in Next's runtime stage,
 * while the clock is only allowed in the dynamic stage. `io()` (Next ≥ 16.3) is the documented
 * marker: it suspends while prerendering, resolves at once during a request and inside
 * `'use cache'` / `'use cache: private'` scopes. Older Next versions get `connection()`, which does
 * the same outside cache scopes (it throws inside `'use cache: private'`). Without Cache
 * Components both resolve at once.
 *
 * @example
 * await requestTime();
 * const now = Date.now(); // never part of a prerender
 */
export function requestTime(): Promise<void> {
  return io ? io() : connection();
}
