/**
 * One running target per test file: the example backend (optionally behind an interposer) and the
 * example app under `next start`, plus an attack client and the helpers every file needs.
 */
import { expect } from 'vitest';
import { startApp, type AppProcess } from '../../support/app-process';
import { startBackend, type RunningBackend } from '../../support/backend-process';
import { Client, type Reply } from './client';
import { startInterposer, type Interposer } from './interposer';
import { cookieAfter, DEMO } from './session';

/** A running app with its own attack client. */
export interface AppUnderTest {
  app: AppProcess;
  client: Client;
  stop(): Promise<void>;
}

/** The backend plus one app pointed at it (through the interposer when asked). */
export interface Target extends AppUnderTest {
  backend: RunningBackend;
  interposer?: Interposer;
  /** Starts another app on the same backend (own process, own memory), e.g. with other env. */
  extraApp(env: Record<string, string>): Promise<AppUnderTest>;
}

/** Options of {@link startTarget}. */
export interface TargetOptions {
  /** Backend ACCESS_TOKEN_TTL in seconds. @default 300 */
  accessTokenTtl?: number;
  /** Put an interposer between the app and the backend. @default false */
  interpose?: boolean;
  /** Extra env for the app. */
  appEnv?: Record<string, string>;
}

/**
 * Starts backend (+ interposer) + app. Call `stop()` in afterAll.
 *
 * @example
 * const t = await startTarget({ accessTokenTtl: 4 });
 */
export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  const backend = await startBackend(options.accessTokenTtl === undefined ? {} : { accessTokenTtl: options.accessTokenTtl });
  const extras: AppUnderTest[] = [];
  let interposer: Interposer | undefined;
  try {
    interposer = options.interpose ? await startInterposer(backend.url) : undefined;
    const backendUrl = interposer?.url ?? backend.url;
    const main = await startAppUnderTest(backendUrl, options.appEnv ?? {});
    return {
      ...main,
      backend,
      ...(interposer ? { interposer } : {}),
      async extraApp(env) {
        const extra = await startAppUnderTest(backendUrl, env);
        extras.push(extra);
        return extra;
      },
      async stop() {
        await Promise.all([main.stop(), ...extras.map((e) => e.stop())]);
        await interposer?.close();
        await backend.stop();
      },
    };
  } catch (error) {
    await interposer?.close();
    await backend.stop();
    throw error;
  }
}

async function startAppUnderTest(backendUrl: string, env: Record<string, string>): Promise<AppUnderTest> {
  const app = await startApp({ backendUrl, env });
  const client = new Client(app.url);
  return {
    app,
    client,
    async stop() {
      client.close();
      await app.stop();
    },
  };
}

/**
 * Logs in with JSON and answers the session Cookie header (and the reply).
 *
 * @example
 * const { cookie } = await login(t.client);
 */
export async function login(
  client: Client,
  user: { email: string; password: string } = DEMO,
  extra: { cookie?: string; returnTo?: unknown } = {},
): Promise<{ cookie: string; reply: Reply }> {
  const body: Record<string, unknown> = { email: user.email, password: user.password };
  if (extra.returnTo !== undefined) body.returnTo = extra.returnTo;
  const reply = await client.json('/api/auth/login', body, extra.cookie ? { cookie: extra.cookie } : {});
  expect(reply.status, `login as ${user.email}: ${reply.body}`).toBe(200);
  const cookie = cookieAfter(reply);
  expect(cookie).not.toBe('');
  return { cookie, reply };
}

/** Whether the cookie is a live session, asked at /api/auth/session. */
export async function sessionStatus(client: Client, cookie: string): Promise<string> {
  const r = await client.get('/api/auth/session', cookie);
  expect(r.status).toBe(200);
  return r.json<{ status: string }>().status;
}

/** Lines of server output that mean something went wrong (unhandled errors, stack traces). */
const BAD_LINE = /⨯|unhandled|uncaught|\bat .+[:(]\d+:\d+\)?\s*$|TypeError|ReferenceError|SyntaxError|RangeError|internal_error|Internal error|\bError:/i;

/**
 * The end-of-file check: no exchange answered 500 (unless marked as an expected, documented one) and
 * the app logged no unhandled error or stack trace (lines caused by expected 500s may be allowed).
 *
 * @example
 * it(`left the server healthy (${items(1, 8)})`, () => expectHealthy(t));
 */
export function expectHealthy(target: AppUnderTest, allowedLog: readonly RegExp[] = []): void {
  const fiveHundreds = target.client.exchanges.filter((e) => e.status === 500 && !e.expected500);
  expect(fiveHundreds, 'requests answered 500').toEqual([]);
  const output = target.app.output();
  const lines = output.split('\n');
  const bad: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!BAD_LINE.test(line)) continue;
    if (allowedLog.some((re) => re.test(line))) {
      // An allowed error also allows the stack trace lines right after it.
      while (i + 1 < lines.length && /^\s+at /.test(lines[i + 1]!)) i++;
      continue;
    }
    bad.push(line);
  }
  expect(bad, `unexpected error lines in the app output:\n${output}`).toEqual([]);
}
