/**
 * Starts Payload CMS 3 (tests/backends/payload, a Next app with @payloadcms/db-sqlite) as its own
 * `next start` process: fresh SQLite database, the committed migrations at start, one seed user.
 */
import { join } from 'node:path';
import { BACKENDS_DIR, spawnThirdParty, type ThirdPartyProcess } from './third-party-process';

const DIR = join(BACKENDS_DIR, 'payload');

/** Options of {@link startPayload}. */
export interface StartPayloadOptions {
  /** Token lifetime in seconds (auth.tokenExpiration). @default 7200 */
  tokenExpiration?: number;
  /** Wrong passwords before the account locks (auth.maxLoginAttempts; 0 = never). @default 5 */
  maxLoginAttempts?: number;
  /** How long a locked account stays locked, in milliseconds (auth.lockTime). @default 600000 */
  lockTimeMs?: number;
  /** The seed user. @default {@link PAYLOAD_USER} */
  user?: PayloadUser;
  /** Extra environment (overrides everything else). */
  env?: Record<string, string>;
}

/** A Payload `users` account. */
export interface PayloadUser {
  email: string;
  password: string;
}

/** The default seed user. */
export const PAYLOAD_USER: PayloadUser = {
  email: 'alice@example.com',
  password: 'correct-horse-battery-staple-1',
};

/** A running Payload backend. */
export interface PayloadBackend extends ThirdPartyProcess {
  user: PayloadUser;
}

/**
 * Starts Payload on a free port and resolves once `GET /api/health` answers 200 (Payload has then
 * run its migrations and created the seed user).
 *
 * @example
 * const payload = await startPayload({ tokenExpiration: 2 });
 * await fetch(`${payload.url}/api/users/login`, { method: 'POST', ... });
 * await payload.stop();
 */
export async function startPayload(options: StartPayloadOptions = {}): Promise<PayloadBackend> {
  const user = options.user ?? PAYLOAD_USER;
  const proc = await spawnThirdParty({
    label: 'payload',
    cwd: DIR,
    requires: [join(DIR, '.next', 'BUILD_ID')],
    readyPath: '/api/health',
    readyTimeoutMs: 90_000,
    command: (port, dataDir) => ({
      command: process.execPath,
      args: [join(DIR, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
      env: {
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        PAYLOAD_DB_PATH: join(dataDir, 'payload.db'),
        SEED_EMAIL: user.email,
        SEED_PASSWORD: user.password,
        ...(options.tokenExpiration !== undefined ? { PAYLOAD_TOKEN_EXPIRATION: String(options.tokenExpiration) } : {}),
        ...(options.maxLoginAttempts !== undefined ? { PAYLOAD_MAX_LOGIN_ATTEMPTS: String(options.maxLoginAttempts) } : {}),
        ...(options.lockTimeMs !== undefined ? { PAYLOAD_LOCK_TIME_MS: String(options.lockTimeMs) } : {}),
        ...options.env,
      },
    }),
  });
  return { ...proc, user };
}
