import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Repository root, resolved from this file (tests/support/ → ../../). */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built example backend. */
export const BACKEND_ENTRY = fileURLToPath(new URL('../../examples/backend-api/dist/server.js', import.meta.url));

/** How long to wait for the process to print its listening line. */
const START_TIMEOUT_MS = 30_000;
/** How long stop() waits after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** Attempts when the picked port was taken between probing and binding. */
const PORT_ATTEMPTS = 3;

/** The backend's `GET /__stats` answer. */
export interface Stats {
  requests: number;
  logins: number;
  login_failures: number;
  refreshes: number;
  refresh_failures: number;
  refresh_reuse_detected: number;
  expired_token_requests: number;
  invalid_token_requests: number;
  logouts: number;
  bearer_requests: number;
  /** Requests with a DPoP-bound token and a valid proof. */
  dpop_requests: number;
  /** Requests refused for DPoP (no/invalid/replayed proof, bound token as Bearer, nonce asked). */
  dpop_rejections: number;
  /** `POST /payments` answered 401 insufficient_user_authentication. */
  step_up_challenges: number;
  last_request: { method: string; path: string; query: string; headers: Record<string, string> } | null;
  /** Every access token received (newest last, at most 1000): its SHA-256, never the token. */
  received_tokens: ReceivedToken[];
  /** Every request that carried a W3C `traceparent` (newest last, at most 200). */
  traceparents: { method: string; path: string; traceparent: string }[];
  /** Successful refreshes by the age (whole seconds) of the refresh token they rotated. */
  refresh_ages: Record<string, number>;
}

/** One access token as the backend received it. */
export interface ReceivedToken {
  /** base64url SHA-256 of the token (see {@link tokenHash}). */
  sha256: string;
  scheme: 'Bearer' | 'DPoP';
  path: string;
  aud: string | string[] | null;
  jti: string | null;
  accepted: boolean;
}

/** The hash the backend records for a token, to look it up in `received_tokens`. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** The backend's login/refresh answer. */
export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Options of {@link startBackend}. */
export interface StartBackendOptions {
  /** ACCESS_TOKEN_TTL in seconds. @default 300 (the backend's default) */
  accessTokenTtl?: number;
  /** Extra environment variables for the process (override everything else). */
  env?: Record<string, string>;
}

/** A running example backend process. */
export interface RunningBackend {
  url: string;
  port: number;
  pid: number;
  stats(): Promise<Stats>;
  resetStats(): Promise<void>;
  /** Revokes every refresh token of the user (POST /__test/revoke). */
  revoke(email: string): Promise<void>;
  /** Makes the backend slow (POST /__test/delay): milliseconds before each refresh / each request; 0 turns it off. */
  delay(delays: { refreshMs?: number; allMs?: number }): Promise<void>;
  /** Crashes the process (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /**
   * Starts the backend again on the same port with the same options (after `kill()` or `stop()`).
   * With `DATABASE_PATH` in `env`, users and refresh tokens survive; without, it starts empty.
   */
  restart(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: connections stay open, nothing answers. */
  pause(frozen: boolean): void;
  login(email: string, password: string): Promise<TokenResponse>;
  stop(): Promise<void>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Finds a free loopback port by binding port 0 and releasing it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function expectOk(res: Response, what: string): Promise<void> {
  if (!res.ok) throw new Error(`${what} failed: ${res.status} ${await res.text()}`);
}

async function spawnOnce(port: number, options: StartBackendOptions): Promise<RunningBackend> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BACKEND_PORT: String(port),
    EXAMPLE_BACKEND_STATS: '1',
    ...(options.accessTokenTtl !== undefined ? { ACCESS_TOKEN_TTL: String(options.accessTokenTtl) } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [BACKEND_ENTRY], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (log += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (log += s));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`example backend did not start within ${START_TIMEOUT_MS} ms. Output:\n${log}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      if (log.includes('example backend listening on')) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`example backend exited (${code}) before listening. Output:\n${log}`), { log }));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });

  const url = `http://127.0.0.1:${port}`;
  const post = (path: string, body: unknown) =>
    fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const backend: RunningBackend = {
    url,
    port,
    pid: child.pid!,
    async stats() {
      const res = await fetch(`${url}/__stats`);
      await expectOk(res, 'GET /__stats');
      return (await res.json()) as Stats;
    },
    async resetStats() {
      await expectOk(await fetch(`${url}/__stats/reset`, { method: 'POST' }), 'POST /__stats/reset');
    },
    async revoke(email) {
      await expectOk(await post('/__test/revoke', { email }), 'POST /__test/revoke');
    },
    async delay(delays) {
      await expectOk(await post('/__test/delay', delays), 'POST /__test/delay');
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = waitForExit(child);
      child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) throw new Error('restart() needs the backend stopped first');
      // The new process's methods take the place of this one's (they close over the new child).
      Object.assign(backend, await spawnOnce(port, options));
    },
    pause(frozen) {
      if (child.exitCode === null && child.signalCode === null) child.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
    },
    async login(email, password) {
      const res = await post('/auth/login', { email, password });
      await expectOk(res, 'POST /auth/login');
      return (await res.json()) as TokenResponse;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = waitForExit(child);
      try {
        process.kill(child.pid!, 'SIGCONT'); // a frozen process cannot act on SIGTERM
        process.kill(child.pid!, 'SIGTERM');
      } catch {
        // Already gone between the check and the signal.
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
    output: () => log,
  };
  // Confirms it answers HTTP (not just that it printed), then starts counters from zero.
  try {
    await expectOk(await fetch(`${url}/health`), 'GET /health');
    if (env.EXAMPLE_BACKEND_STATS === '1') await backend.resetStats();
  } catch (err) {
    await backend.stop();
    throw err;
  }
  return backend;
}

/**
 * Starts the built example backend on a free loopback port with stats enabled and resolves once it
 * answers HTTP. Call `stop()` in `afterAll`.
 *
 * @example
 * const backend = await startBackend({ accessTokenTtl: 1 });
 * const tokens = await backend.login('demo@example.com', 'demo-password');
 * await backend.stop();
 */
export async function startBackend(options: StartBackendOptions = {}): Promise<RunningBackend> {
  if (!existsSync(BACKEND_ENTRY)) {
    throw new Error(
      `The example backend is not built (${BACKEND_ENTRY} is missing): run npm run build first ` +
        '(or npm run build -w examples/backend-api).',
    );
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = options.env?.BACKEND_PORT ? Number(options.env.BACKEND_PORT) : await freePort();
    try {
      return await spawnOnce(port, options);
    } catch (err) {
      lastError = err;
      const log = (err as { log?: string }).log ?? '';
      // Retry only the race where another process grabbed the port in between.
      if (!log.includes('EADDRINUSE') || options.env?.BACKEND_PORT) throw err;
    }
  }
  throw lastError;
}
