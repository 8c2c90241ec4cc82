import { createHmac } from 'node:crypto';
import { revalidateTag } from 'next/cache';
import type { Bff } from '../core/bff';
import { deriveKeyRing } from '../core/crypto/keys';
import type { Cookie } from '../core/http/cookie';
import { parseCookieHeader } from '../core/http/cookie';
import { mergeCookies } from '../core/session/load';
import type { ClientSession } from '../core/types';
import { assertNoSecrets, type Needle } from './cache-guard';
import { persistCookies } from './persist-cookies';

/**
 * The signed-in user as a cached function sees it: an opaque tag, nothing else. It is the first
 * argument bff.perUser() passes, so it is part of the cache key: entries are per user. The tag is an
 * HMAC of the user id under a key derived from the secret: stable across instances that share the
 * secret, meaningless without it, and never a token or the user's e-mail.
 */
export interface CachedUser {
  /** `bffkit:u:…`: give it to `cacheTag()`. Logout, sign-out-everywhere and a change of user expire it. */
  readonly tag: string;
}

const TAG_PREFIX = 'bffkit:u:';
/** 128 bits of the HMAC, base64url. */
const TAG_CHARS = 22;

/** What {@link userCache} needs from the Next binding. */
export interface UserCacheDeps {
  core(): Bff;
  getSession(): Promise<ClientSession>;
  cookieHeader(): Promise<string | null>;
}

/** The per-user caching helpers of {@link BffNext}. */
export interface UserCache {
  /**
   * Wraps a `'use cache'` (or `'use cache: private'`) function so it is called with the signed-in
   * user's {@link CachedUser} first; answers `null` when nobody is signed in. In development it throws
   * when an argument holds a token, the session cookie or a JWT, or the result holds a token.
   */
  perUser<A extends unknown[], R>(fn: (user: CachedUser, ...args: A) => Promise<R>): (...args: A) => Promise<R | null>;
  /**
   * `fetchBackend` for the inside of a function wrapped by {@link UserCache.perUser}: the token comes
   * from the request that is running the wrapper, never from an argument (`'use cache'` cannot read
   * the request). Refreshed tokens are written once the wrapper returns, where Next allows it.
   */
  fetchBackendFor(user: CachedUser, path: string, init?: RequestInit & { upstream?: string }): Promise<Response>;
  /** The signed-in user's tag (for `updateTag` after a change in a Server Action), or null. */
  userCacheTag(): Promise<string | null>;
  /** The tag of a user id (what {@link UserCache.userCacheTag} answers for that user). */
  tagOf(userId: string): string;
}

/**
 * Builds the per-user caching helpers on top of a binding's session read.
 *
 * @example
 * const cache = userCache({ core, getSession, cookieHeader });
 * export const getNotes = cache.perUser(notesOf);
 */
export function userCache(deps: UserCacheDeps): UserCache {
  let tagKey: Buffer | undefined;
  const tagOf = (userId: string): string => {
    tagKey ??= deriveKeyRing(deps.core().config.secrets, 'cache-tag').keys[0]!.key;
    return TAG_PREFIX + createHmac('sha256', tagKey).update(String(userId)).digest('base64url').slice(0, TAG_CHARS);
  };
  const development = process.env.NODE_ENV !== 'production';

  return {
    tagOf,
    async userCacheTag() {
      const session = await deps.getSession();
      return session.status === 'authenticated' ? tagOf(session.user.id) : null;
    },
    perUser(fn) {
      return async (...args) => {
        const session = await deps.getSession();
        if (session.status !== 'authenticated') return null;
        const cookie = await deps.cookieHeader();
        const user: CachedUser = Object.freeze({ tag: tagOf(session.user.id) });
        const needles = development ? await secretsOf(deps.core(), cookie) : [];
        if (development) assertNoSecrets(args, needles, 'an argument of a bff.perUser() function', true);
        const lease = leases().acquire(user.tag, cookie);
        try {
          const result = await fn(user, ...args);
          if (development) assertNoSecrets(result, needles.filter((n) => n.what !== 'the session cookie'), 'the result of a bff.perUser() function', false);
          return result;
        } finally {
          const cookies = lease.cookies;
          lease.release();
          if (cookies.length) await persistCookies(cookies);
        }
      };
    },
    async fetchBackendFor(user, path, init = {}) {
      const tag = (user as Partial<CachedUser> | null)?.tag;
      const lease = typeof tag === 'string' && tag.startsWith(TAG_PREFIX) ? leases().current(tag) : undefined;
      if (!lease) {
        throw new TypeError(
          'bffkit: fetchBackendFor(user, …) works only inside a function wrapped by bff.perUser(), with the user it was given, while the wrapper runs.',
        );
      }
      const { upstream, ...rest } = init;
      const { response, cookies } = await deps.core().fetchBackend(lease.cookie, upstream, path, rest);
      if (cookies.length) lease.cookies = mergeCookies(lease.cookies, cookies);
      return response;
    },
  };
}

/**
 * Expires a tag at once (`revalidateTag(tag, { expire: 0 })`), where Next allows it (route handlers,
 * Server Actions). Elsewhere (proxy.ts, rendering) Next ignores or refuses it: answers false then.
 *
 * @example
 * expireTag(cache.tagOf(user.id));
 */
export function expireTag(tag: string): boolean {
  try {
    revalidateTag(tag, { expire: 0 });
    return true;
  } catch {
    return false;
  }
}

/** The request's secrets, for the development guard: its tokens and the session cookie's values. */
async function secretsOf(bff: Bff, cookie: string | null): Promise<Needle[]> {
  const needles: Needle[] = [];
  const name = bff.config.cookie.name;
  for (const [key, values] of parseCookieHeader(cookie)) {
    if (key === name || key.startsWith(`${name}.`)) for (const value of values) needles.push({ value, what: 'the session cookie' });
  }
  const loaded = await bff.loadSession(cookie, 'never').catch(() => null);
  if (loaded?.kind === 'active') {
    const { accessToken, refreshToken, idToken } = loaded.session.tokens;
    needles.push({ value: accessToken, what: "the session's access token" });
    if (refreshToken) needles.push({ value: refreshToken, what: "the session's refresh token" });
    if (idToken) needles.push({ value: idToken, what: "the session's ID token" });
  }
  return needles;
}

/** A perUser() caller's hold on its request's cookie header, and the cookies its backend calls set. */
type Lease = { cookie: string | null; cookies: Cookie[]; release(): void };
type Held = { cookie: string | null; cookies: Cookie[]; holds: number; timer?: ReturnType<typeof setTimeout> };

/**
 * How long a cookie header stays usable after its perUser() call returned. Why: when an entry is
 * past its `revalidate` time, Next answers the stale value at once and regenerates it in the
 * background, a few microtasks to seconds later; that run needs a credential too.
 */
export const LEASE_GRACE_MS = 10_000;

/**
 * The cookie headers of the perUser() calls running right now (or within {@link LEASE_GRACE_MS}),
 * by user tag. Why not AsyncLocalStorage: Next runs `'use cache'` functions in a clean async
 * snapshot, so nothing request-scoped reaches them, and an argument would put the credential in the
 * cache key. Two requests of the same user may serve each other's cached call (same user, same
 * data). Kept on `globalThis` so every bundle of the process shares it; memory only.
 */
function leases() {
  const g = globalThis as { [REGISTRY]?: Map<string, Held[]> };
  const map = (g[REGISTRY] ??= new Map<string, Held[]>());
  return {
    acquire(tag: string, cookie: string | null): Lease {
      const list = map.get(tag) ?? [];
      let held = list.find((h) => h.cookie === cookie);
      if (held) list.splice(list.indexOf(held), 1);
      else held = { cookie, cookies: [], holds: 0 };
      clearTimeout(held.timer);
      held.holds += 1;
      list.push(held); // the newest last: current() answers it
      map.set(tag, list);
      const h = held;
      let released = false;
      return {
        cookie,
        get cookies() {
          return h.cookies;
        },
        set cookies(value) {
          h.cookies = value;
        },
        release() {
          if (released) return;
          released = true;
          h.cookies = [];
          if (--h.holds > 0) return;
          h.timer = setTimeout(() => {
            const at = list.indexOf(h);
            if (at >= 0) list.splice(at, 1);
            if (list.length === 0 && map.get(tag) === list) map.delete(tag);
          }, LEASE_GRACE_MS);
          h.timer.unref?.();
        },
      };
    },
    current: (tag: string): Held | undefined => map.get(tag)?.at(-1),
  };
}

const REGISTRY = Symbol.for('bffkit.next.user-cache-leases.v1');
