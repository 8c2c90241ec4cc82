/**
 * Starts the built example Next.js app (`next start`) as a child process for tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort } from './ports';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The example app's directory. */
export const APP_DIR = join(REPO_ROOT, 'examples', 'next-app');

/** The fixed BFF_SECRET every test app runs with (43 chars), so tests can unseal cookies. */
export const TEST_SECRET = 'dGVzdC1zZWNyZXQtZm9yLWJmZmtpdC1lMmUtdGVzdHM';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_OUTPUT_CHARS = 4_000_000;

/**
 * Which build of the example a test runs: `cache-components` (`.next/`, the default: Cache
 * Components and Partial Prefetching on, as create-next-app 16.4 makes apps) or `classic`
 * (`.next-classic/`, both off, built with BFF_EXAMPLE_CLASSIC=1; see examples/next-app/next.config.ts).
 */
export type AppVariant = 'cache-components' | 'classic';

/**
 * The variant of this test process: `classic` when BFF_TEST_APP_VARIANT says so (the `*-classic`
 * e2e files set it before loading the shared suite), else `cache-components`.
 *
 * @example
 * process.env.BFF_TEST_APP_VARIANT = 'classic';
 * await import('./login.test');
 */
export function appVariant(): AppVariant {
  return process.env.BFF_TEST_APP_VARIANT === 'classic' ? 'classic' : 'cache-components';
}

/**
 * The `.next` folder of a variant's build.
 *
 * @example
 * existsSync(join(appDistDir('classic'), 'BUILD_ID'));
 */
export function appDistDir(variant: AppVariant = appVariant()): string {
  return join(APP_DIR, variant === 'classic' ? '.next-classic' : '.next');
}

/** Options for {@link startApp}. */
export type StartAppOptions = {
  /** Base URL of the example backend, e.g. `http://127.0.0.1:4123`. */
  backendUrl: string;
  /** Extra env for the app (overrides the defaults, e.g. `{ BFF_SECRET: '...' }`). */
  env?: Record<string, string>;
  /** @default a free port */
  port?: number;
  /** @default {@link appVariant} */
  variant?: AppVariant;
};

/** A running example app. */
export type AppProcess = {
  /** `http://localhost:<port>`, equal to the app's APP_URL. */
  url: string;
  port: number;
  /** PID of the `next start` process (its RSS is in /proc/<pid>/status). */
  pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
  /** Crashes the process (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
};

/**
 * Starts `next start` for examples/next-app (the build of `opts.variant`) and waits until
 * `GET /api/auth/session` answers 200.
 *
 * @example
 * const app = await startApp({ backendUrl: backend.url });
 * try { ... } finally { await app.stop(); }
 */
export async function startApp(opts: StartAppOptions): Promise<AppProcess> {
  const variant = opts.variant ?? appVariant();
  const distDir = appDistDir(variant);
  if (!existsSync(join(distDir, 'BUILD_ID'))) {
    throw new Error(`startApp: ${distDir} is missing or incomplete. Build first: \`npm run build\` at the repo root.`);
  }
  const port = opts.port ?? (await freePort());
  const url = `http://localhost:${port}`;
  const nextBin = join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
  const env: Record<string, string> = {
    ...baseEnv(),
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
    APP_URL: url,
    BACKEND_URL: opts.backendUrl,
    BFF_SECRET: TEST_SECRET,
    // next.config.ts picks the distDir (and the mode) from it, at start as at build.
    ...(variant === 'classic' ? { BFF_EXAMPLE_CLASSIC: '1' } : {}),
    ...opts.env,
  };
  // -H 127.0.0.1: test traffic stays on loopback; `localhost` resolves to it.
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: APP_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child, 'app');
  try {
    await waitUntilReady(`${url}/api/auth/session`, proc, READY_TIMEOUT_MS);
    await expectVariant(url, variant);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    url,
    port,
    pid: child.pid!,
    output: proc.output,
    exited: proc.exited,
    async kill() {
      if (!proc.exited()) child.kill('SIGKILL');
      await proc.stop();
    },
    stop: proc.stop,
  };
}

/**
 * Checks the app serves the build it was meant to: the home page is partially prerendered (Next
 * marks it `x-nextjs-postponed: 1`) with Cache Components, and rendered per request without them.
 */
async function expectVariant(url: string, variant: AppVariant): Promise<void> {
  const res = await fetch(`${url}/`, { redirect: 'manual' });
  await res.arrayBuffer();
  const postponed = res.headers.get('x-nextjs-postponed') === '1';
  if (postponed !== (variant === 'cache-components')) {
    throw new Error(`startApp: expected the ${variant} build, but GET / ${postponed ? 'is' : 'is not'} partially prerendered`);
  }
}

/** The parent's env without variables that would change how a child Node process behaves. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (k.startsWith('VITEST') || k === 'NODE_OPTIONS' || k === 'TEST' || k.startsWith('__NEXT')) continue;
    env[k] = v;
  }
  return env;
}

/** A spawned child with captured output and an idempotent stop. */
export type TrackedProcess = {
  child: ChildProcess;
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
};

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Captures a child's output and makes sure it dies with the test process.
 *
 * @example
 * const proc = track(spawn(process.execPath, ['server.js']), 'backend');
 */
export function track(child: ChildProcess, label: string): TrackedProcess {
  let out = '';
  const append = (chunk: Buffer) => {
    if (out.length < MAX_OUTPUT_CHARS) out += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exitCode: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code;
      live.delete(child);
      if (process.env.TEST_VERBOSE) out += `\n[${label} exited code=${code} signal=${signal}]\n`;
      resolve();
    });
    child.once('error', (err) => {
      out += `\n[${label} failed to spawn: ${err.message}]\n`;
      exitCode = -1;
      live.delete(child);
      resolve();
    });
  });
  live.add(child);
  installExitHook();
  const exited = () => exitCode !== undefined;
  const stop = async () => {
    if (exited()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited()) child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  };
  return { child, output: () => out, exited, stop };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: never leave servers behind when the test process ends abruptly.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Polls `url` until it answers 200, the process exits, or the timeout passes.
 *
 * @example
 * await waitUntilReady(`${url}/health`, proc, 30_000);
 */
export async function waitUntilReady(url: string, proc: TrackedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc.exited()) {
      throw new Error(`process exited before ${url} answered.\n--- output ---\n${proc.output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last}).\n--- output ---\n${proc.output()}`,
  );
}
