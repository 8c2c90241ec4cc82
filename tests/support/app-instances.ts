/**
 * Several instances of the example app, as they run in production: N `next start` processes with the
 * same configuration (secret, backend, session store), optionally behind a real nginx round-robin
 * load balancer whose URL is every instance's APP_URL.
 */
import { startApp, type AppProcess } from './app-process';
import { startNginx, type NginxProcess, type StartNginxOptions } from './nginx';
import { freePort } from './ports';

/** Options of {@link startApps}. */
export interface StartAppsOptions {
  /** How many instances. @default 2 */
  instances?: number;
  /** Base URL of the example backend. */
  backendUrl: string;
  /** Env every instance shares (e.g. `{ BFF_SESSION_STORE: 'redis', REDIS_URL }`). */
  env?: Record<string, string>;
}

/**
 * Starts N instances in parallel with the same env; if one fails, the others are stopped.
 *
 * @example
 * const [a, b] = await startApps({ backendUrl: backend.url, env: { BFF_SESSION_STORE: 'redis', REDIS_URL: redis.url } });
 */
export async function startApps(options: StartAppsOptions): Promise<AppProcess[]> {
  const count = options.instances ?? 2;
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startApp({ backendUrl: options.backendUrl, ...(options.env ? { env: options.env } : {}) })),
  );
  const apps = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(apps.map((a) => a.stop()));
    throw failed.reason;
  }
  return apps;
}

/** N instances behind one nginx. */
export interface BalancedApps {
  /** The load balancer's URL (`http://localhost:<port>`), also every instance's APP_URL. */
  url: string;
  apps: AppProcess[];
  lb: NginxProcess;
  /** Stops nginx, then every instance. */
  stop(): Promise<void>;
}

/** Options of {@link startBalancedApps}. */
export interface StartBalancedAppsOptions extends StartAppsOptions {
  /** Passed to nginx (retry policy, read timeout). */
  nginx?: Omit<StartNginxOptions, 'upstreams' | 'port'>;
}

/**
 * Picks the load balancer's port, starts the instances with APP_URL set to it, then nginx in front
 * of them (round robin, one request to each in turn).
 *
 * @example
 * const site = await startBalancedApps({ backendUrl: backend.url });
 * await fetch(`${site.url}/api/auth/session`);
 * await site.stop();
 */
export async function startBalancedApps(options: StartBalancedAppsOptions): Promise<BalancedApps> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const apps = await startApps({ ...options, env: { ...options.env, APP_URL: url } });
  let lb: NginxProcess;
  try {
    lb = await startNginx({ ...options.nginx, port, upstreams: apps.map((a) => `127.0.0.1:${a.port}`) });
  } catch (error) {
    await Promise.all(apps.map((a) => a.stop()));
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    url,
    apps,
    lb,
    stop: () => (stopped ??= lb.stop().finally(() => Promise.all(apps.map((a) => a.stop())).then(() => undefined))),
  };
}
