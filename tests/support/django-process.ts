/**
 * Starts the Django REST framework + djangorestframework-simplejwt backend (tests/backends/django)
 * as its own process with /usr/bin/python3: fresh SQLite database, migrations at start, one seed user.
 */
import { join } from 'node:path';
import { BACKENDS_DIR, spawnThirdParty, type ThirdPartyProcess } from './third-party-process';

const DIR = join(BACKENDS_DIR, 'django');
/** Debian's interpreter: the `python3` first on PATH may be another one that cannot see Debian's packages. */
const PYTHON = process.env.BFFKIT_DJANGO_PYTHON || '/usr/bin/python3';

/** Options of {@link startDjango}. */
export interface StartDjangoOptions {
  /** Access-token lifetime in seconds (simplejwt ACCESS_TOKEN_LIFETIME). @default 300 */
  accessTokenTtl?: number;
  /** Refresh-token lifetime in seconds (REFRESH_TOKEN_LIFETIME). @default 86400 */
  refreshTokenTtl?: number;
  /** Authorization schemes accepted (AUTH_HEADER_TYPES). @default ['Bearer'] */
  authHeaderTypes?: string[];
  /** The seed user. @default {@link DJANGO_USER} */
  user?: DjangoUser;
  /** Extra environment (overrides everything else). */
  env?: Record<string, string>;
}

/** A Django user: simplejwt logs in with `username`, not `email`. */
export interface DjangoUser {
  username: string;
  password: string;
  email: string;
}

/** The default seed user. */
export const DJANGO_USER: DjangoUser = {
  username: 'alice',
  password: 'correct-horse-battery-staple-1',
  email: 'alice@example.com',
};

/** A running Django backend. */
export interface DjangoBackend extends ThirdPartyProcess {
  user: DjangoUser;
}

/**
 * Starts the Django backend on a free port and resolves once `GET /api/health/` answers 200.
 *
 * @example
 * const django = await startDjango({ accessTokenTtl: 2 });
 * const res = await fetch(`${django.url}/api/token/`, { method: 'POST', ... });
 * await django.stop();
 */
export async function startDjango(options: StartDjangoOptions = {}): Promise<DjangoBackend> {
  const user = options.user ?? DJANGO_USER;
  const proc = await spawnThirdParty({
    label: 'django',
    cwd: DIR,
    requires: [join(DIR, 'serve.py')],
    readyPath: '/api/health/',
    readyTimeoutMs: 60_000,
    command: (port, dataDir) => ({
      command: PYTHON,
      args: ['serve.py'],
      env: {
        PORT: String(port),
        DJANGO_DB_PATH: join(dataDir, 'db.sqlite3'),
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
        SEED_USERNAME: user.username,
        SEED_PASSWORD: user.password,
        SEED_EMAIL: user.email,
        ...(options.accessTokenTtl !== undefined ? { JWT_ACCESS_TTL: String(options.accessTokenTtl) } : {}),
        ...(options.refreshTokenTtl !== undefined ? { JWT_REFRESH_TTL: String(options.refreshTokenTtl) } : {}),
        ...(options.authHeaderTypes ? { JWT_AUTH_HEADER_TYPES: options.authHeaderTypes.join(',') } : {}),
        ...options.env,
      },
    }),
  });
  return { ...proc, user };
}
