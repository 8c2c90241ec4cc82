import { cookies } from 'next/headers';
import { parseSetCookie } from '../core/http/cookie';

/**
 * Persists bffkit's Set-Cookie lines through Next's `cookies()` API, where Next allows it (route
 * handlers, Server Actions). In a Server Component Next refuses any cookie write; that is expected and
 * harmless: the refreshed tokens wait in the successor record, and the next request that can write
 * cookies (proxy.ts, a route handler) picks them up. Answers whether the cookies were written.
 */
export async function persistCookies(setCookies: readonly string[]): Promise<boolean> {
  if (setCookies.length === 0) return true;
  try {
    const jar = await cookies();
    for (const line of setCookies) {
      const parts = parseSetCookie(line);
      if (!parts) continue;
      const attr = parts.attributes;
      jar.set(parts.name, parts.value, {
        path: attr.get('path') ?? '/',
        httpOnly: attr.has('httponly'),
        secure: attr.has('secure'),
        sameSite: attr.get('samesite')?.toLowerCase() === 'strict' ? 'strict' : 'lax',
        ...(attr.has('max-age') && { maxAge: Number(attr.get('max-age')) }),
      });
    }
    return true;
  } catch {
    return false;
  }
}
