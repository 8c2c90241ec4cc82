import { cookies } from 'next/headers';
import type { Cookie } from '../core/http/cookie';

/**
 * Sets bffkit's cookies through Next's `cookies()` API, where Next allows it (route handlers, Server
 * Actions). In a Server Component Next refuses any cookie write; that is expected and harmless: the
 * refreshed tokens wait in the successor record, and the next request that can write cookies
 * (proxy.ts, a route handler) picks them up. Answers whether the cookies were written.
 *
 * @example
 * const { response, cookies } = await core.fetchBackend(cookieHeader, undefined, '/me');
 * await persistCookies(cookies);
 */
export async function persistCookies(list: readonly Cookie[]): Promise<boolean> {
  if (list.length === 0) return true;
  try {
    const jar = await cookies();
    for (const { name, value, attributes: a } of list) {
      jar.set(name, value, {
        path: a.path,
        httpOnly: a.httpOnly,
        secure: a.secure,
        sameSite: a.sameSite,
        ...(a.maxAge !== undefined && { maxAge: a.maxAge }),
        ...(a.expires !== undefined && { expires: a.expires }),
      });
    }
    return true;
  } catch {
    return false;
  }
}
