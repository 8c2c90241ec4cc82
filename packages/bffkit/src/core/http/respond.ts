import { PRIVATE_HEADERS } from './response';

/**
 * Adds Set-Cookie lines (and the private, no-store headers) to a response.
 *
 * @example
 * return withCookies(json(body), loaded.setCookies);
 */
export function withCookies(response: Response, setCookies: readonly string[]): Response {
  if (setCookies.length === 0) return response;
  for (const line of setCookies) response.headers.append('set-cookie', line);
  response.headers.set('cache-control', PRIVATE_HEADERS['cache-control']!);
  return response;
}

/**
 * A 303 See Other to a same-origin path, built from the configured app URL (never from Host).
 *
 * @example
 * return seeOther(config.appUrl, '/profile', setCookies);
 */
export function seeOther(appUrl: URL, path: string, setCookies: readonly string[] = []): Response {
  const headers = new Headers(PRIVATE_HEADERS);
  headers.set('location', new URL(path, appUrl).toString());
  return withCookies(new Response(null, { status: 303, headers }), setCookies);
}

/** Reads a request body as text, refusing bodies over `limit` bytes (null when over). */
export async function readLimitedText(request: Request, limit: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
