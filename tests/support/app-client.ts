/**
 * The example app as a browser client sees it, over plain HTTP: sign in, call the forwarding route,
 * render a page, log out. For the end-to-end tests of third-party backends through bffkit.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './app-process';
import { getJson, jsonPost, setCookies } from './http';
import { openSessionCookie, type CookieTokens } from './session-cookie';

const COOKIE = 'bffkit';

/** A signed-in browser: its session cookie value and what is sealed in it. */
export interface SignedIn {
  /** The `Cookie` header value. */
  cookie: string;
  value: string;
  tokens: CookieTokens;
  body: { status: string; user: Record<string, unknown>; expiresAt: number; redirectTo: string };
}

/**
 * Signs in through `POST /api/auth/login` (JSON, as bffkit/react's signIn sends it).
 *
 * @example
 * const alice = await signIn(app.url, { email: 'alice', password });
 */
export async function signIn(appUrl: string, credentials: Record<string, string>, headers: Record<string, string> = {}): Promise<SignedIn> {
  const res = await jsonPost(`${appUrl}/api/auth/login`, credentials, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${text}`);
  const value = setCookies(res).find((c) => c.name === COOKIE)?.value;
  if (!value) throw new Error('sign-in set no session cookie');
  return { cookie: `${COOKIE}=${value}`, value, tokens: openSessionCookie(value), body: JSON.parse(text) as SignedIn['body'] };
}

/**
 * When the server first refreshes the cookie's access token (epoch seconds) in the stateless example
 * (no shared refresh coordinator): one second before it expires, from a 4-second lifetime on
 * (core/session/lifetime.ts serverRefreshSkew; with Redis it would be the 30 s skew instead).
 *
 * @example
 * await sleep(dueAt(s.tokens) * 1000 + 50 - Date.now());
 */
export function dueAt(tokens: Pick<CookieTokens, 'e' | 't'>): number {
  return tokens.e - (tokens.e - tokens.t >= 4 ? 1 : 0);
}

/** The new session cookie value a response set ('' when it cleared it), or undefined. */
export function newSessionValue(res: Response): string | undefined {
  return setCookies(res).find((c) => c.name === COOKIE)?.value;
}

/**
 * A forwarded API call under /api/backend (unsafe methods carry the anti-forgery header and Origin).
 *
 * @example
 * const res = await api(app.url, alice.cookie, 'POST', '/api/notes/', { text: 'hi' });
 */
export function api(appUrl: string, cookie: string, method: string, path: string, body?: unknown): Promise<Response> {
  const url = `${appUrl}/api/backend${path}`;
  return method === 'GET' ? getJson(url, { cookie }) : jsonPost(url, body ?? {}, { cookie, method });
}

/** `POST /api/auth/logout` with the cookie; answers the JSON body. */
export async function logOut(appUrl: string, cookie: string): Promise<{ status: string; revocation?: string }> {
  const res = await jsonPost(`${appUrl}/api/auth/logout`, {}, { cookie });
  if (res.status !== 200) throw new Error(`logout answered ${res.status}`);
  return (await res.json()) as { status: string; revocation?: string };
}

/** `GET /api/auth/session` with the cookie. */
export async function sessionOf(appUrl: string, cookie: string): Promise<{ status: string }> {
  return (await (await getJson(`${appUrl}/api/auth/session`, { cookie })).json()) as { status: string };
}

/**
 * Runs the built `bffkit` bin (packages/bffkit/dist/cli/bin.js) and answers its exit code and output.
 *
 * @example
 * const { code, stdout } = await runBffkit(['check-backend', '--url', url, '--user', 'alice'], { BFFKIT_CHECK_PASSWORD: pw });
 */
export function runBffkit(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(REPO_ROOT, 'packages', 'bffkit', 'dist', 'cli', 'bin.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
