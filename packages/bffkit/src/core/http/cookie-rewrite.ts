import { parseSetCookie } from './cookie';

/**
 * Applies Set-Cookie lines to a request's Cookie header, so that the rest of the same request
 * (Server Components, route handlers, Server Actions) sees what the browser will send next time.
 * Used by proxy.ts after a refresh: Server Components cannot write cookies, so the refresh happens
 * before rendering and the request itself is updated (SECURITY.md 26).
 *
 * @example
 * rewriteCookieHeader('a=1; s=old', ['s=new; Path=/; HttpOnly']) // 'a=1; s=new'
 */
export function rewriteCookieHeader(cookieHeader: string | null, setCookies: readonly string[]): string {
  const updates = new Map<string, string | null>();
  for (const line of setCookies) {
    const parts = parseSetCookie(line);
    if (!parts) continue;
    updates.set(parts.name, parts.value === '' || parts.attributes.get('max-age') === '0' ? null : parts.value);
  }
  const out: string[] = [];
  for (const part of (cookieHeader ?? '').split(';')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    const name = eq < 0 ? trimmed : trimmed.slice(0, eq);
    if (!updates.has(name)) out.push(trimmed);
  }
  for (const [name, value] of updates) if (value !== null) out.push(`${name}=${value}`);
  return out.join('; ');
}
