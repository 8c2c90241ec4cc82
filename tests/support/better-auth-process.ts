/**
 * Starts better-auth 1.7 as a standalone API server (tests/backends/better-auth/server.mjs) as its
 * own process: NODE_ENV=production, fresh SQLite database (better-sqlite3), one seed user.
 */
import { join } from 'node:path';
import { BACKENDS_DIR, spawnThirdParty, type ThirdPartyProcess } from './third-party-process';

const DIR = join(BACKENDS_DIR, 'better-auth');

/** Options of {@link startBetterAuth}. */
export interface StartBetterAuthOptions {
  /** Session lifetime in seconds (session.expiresIn). @default 604800 (7 days) */
  sessionExpiresIn?: number;
  /** Seconds after which a used session is extended (session.updateAge). @default 86400 */
  sessionUpdateAge?: number;
  /**
   * better-auth's own rate limit. Its production default is on: 3 sign-in/sign-up requests per 10 s
   * per client IP, and without a trusted IP header one bucket for everybody.
   * @default true
   */
  rateLimit?: boolean;
  /**
   * Origins trusted besides the server's own base URL (trustedOrigins), e.g. the Next app's URL.
   * A sign-in or sign-up from a client that sends Fetch Metadata (Node's fetch sends
   * `sec-fetch-mode: cors`) must carry one of them, or its own URL, as `Origin`.
   * @default []
   */
  trustedOrigins?: string[];
  /** The seed user. @default {@link BETTER_AUTH_USER} */
  user?: BetterAuthUser;
  /** Extra environment (overrides everything else). */
  env?: Record<string, string>;
}

/** A better-auth email + password user. */
export interface BetterAuthUser {
  email: string;
  password: string;
  name: string;
}

/** The default seed user. */
export const BETTER_AUTH_USER: BetterAuthUser = {
  email: 'alice@example.com',
  password: 'correct-horse-battery-staple-1',
  name: 'Alice Example',
};

/** A running better-auth server. */
export interface BetterAuthBackend extends ThirdPartyProcess {
  user: BetterAuthUser;
}

/**
 * Starts the better-auth server on a free port and resolves once `GET /health` answers 200.
 *
 * @example
 * const auth = await startBetterAuth({ rateLimit: false });
 * await fetch(`${auth.url}/api/auth/sign-in/email`, { method: 'POST', ... });
 * await auth.stop();
 */
export async function startBetterAuth(options: StartBetterAuthOptions = {}): Promise<BetterAuthBackend> {
  const user = options.user ?? BETTER_AUTH_USER;
  const proc = await spawnThirdParty({
    label: 'better-auth',
    cwd: DIR,
    requires: [join(DIR, 'node_modules', '.bffkit-install-stamp')],
    readyPath: '/health',
    readyTimeoutMs: 60_000,
    command: (port, dataDir) => ({
      command: process.execPath,
      args: ['server.mjs'],
      env: {
        NODE_ENV: 'production',
        PORT: String(port),
        BETTER_AUTH_DB_PATH: join(dataDir, 'auth.db'),
        BETTER_AUTH_RATE_LIMIT: options.rateLimit === false ? 'off' : 'on',
        SEED_EMAIL: user.email,
        SEED_PASSWORD: user.password,
        SEED_NAME: user.name,
        ...(options.trustedOrigins ? { BETTER_AUTH_TRUSTED_ORIGINS: options.trustedOrigins.join(',') } : {}),
        ...(options.sessionExpiresIn !== undefined ? { SESSION_EXPIRES_IN: String(options.sessionExpiresIn) } : {}),
        ...(options.sessionUpdateAge !== undefined ? { SESSION_UPDATE_AGE: String(options.sessionUpdateAge) } : {}),
        ...options.env,
      },
    }),
  });
  return { ...proc, user };
}
