/**
 * The full test stack: the example backend plus the example Next.js app pointed at it.
 */
import { startBackend } from './backend-process';
import { startApp, type AppProcess } from './app-process';

/** The backend handle returned by `startBackend`. */
export type BackendProcess = Awaited<ReturnType<typeof startBackend>>;

/** Options for {@link startStack}. */
export type StackOptions = {
  /** Backend access-token lifetime in seconds. @default the backend's default (300) */
  accessTokenTtl?: number;
  /** Extra env for the app. */
  appEnv?: Record<string, string>;
  /** Extra env for the backend. */
  backendEnv?: Record<string, string>;
};

/** A running backend + app. `stop()` stops both (app first). */
export type Stack = { backend: BackendProcess; app: AppProcess; stop(): Promise<void> };

/**
 * Starts the backend, then the app with BACKEND_URL pointing at it.
 *
 * @example
 * let stack: Stack;
 * beforeAll(async () => { stack = await startStack(); });
 * afterAll(() => stack?.stop());
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const backend = await startBackend({
    ...(opts.accessTokenTtl === undefined ? {} : { accessTokenTtl: opts.accessTokenTtl }),
    ...(opts.backendEnv ? { env: opts.backendEnv } : {}),
  });
  let app: AppProcess;
  try {
    app = await startApp({ backendUrl: backend.url, ...(opts.appEnv ? { env: opts.appEnv } : {}) });
  } catch (error) {
    await backend.stop();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    backend,
    app,
    stop: () => (stopped ??= app.stop().finally(() => backend.stop())),
  };
}
