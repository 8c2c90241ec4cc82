/**
 * The mistakes of a new user's first hour, in a real app (issue 15): a fresh `create-next-app@16.4.3`
 * app set up by `npx bffkit init` with the packed library, built once, then started three times
 * wrong: without proxy.ts (a Server Component refresh cannot be saved), without `.env.local` (no
 * BFF_SECRET), and with BACKEND_URL pointing at nothing. Each must log its one line with the fix,
 * once however often it happens, and never a secret, cookie, token or password.
 */
import { spawnSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { createFreshApp, packLibrary, type FreshApp, type RunningFreshApp } from '../support/fresh-app';
import { freePort } from '../support/ports';
import { applyLayoutChange, readmeSetup } from '../support/readme-files';

const STEP_TIMEOUT_MS = 10 * 60 * 1000;
const DEMO = { email: 'demo@example.com', password: 'demo-password' };

let app: FreshApp;
let backend: RunningBackend;
let secret: string;

beforeAll(async () => {
  // 4-second access tokens: due for a refresh 2 s after they are issued (the skew is capped at half the lifetime).
  [backend, app] = await Promise.all([startBackend({ accessTokenTtl: 4 }), createFreshApp('root')]);
  await app.install(await packLibrary());
  const init = spawnSync('npx', ['--no-install', 'bffkit', 'init', '--backend-url', backend.url, '--yes'], { cwd: app.dir, encoding: 'utf8' });
  expect(init.status, init.stderr).toBe(0);
  await app.write('app/layout.tsx', applyLayoutChange(await app.read('app/layout.tsx'), readmeSetup().layout));
  // The first mistake: no proxy.ts.
  rmSync(join(app.dir, 'proxy.ts'));
  await app.build();
  secret = /^BFF_SECRET=(\S+)$/m.exec(await app.read('.env.local'))![1]!;
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  await backend?.stop();
  await app?.remove();
});

/** Starts the app on a free port with APP_URL set; `fn` gets its URL; stopped afterwards. */
async function withServer(env: Record<string, string>, fn: (server: RunningFreshApp, origin: string) => Promise<void>) {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const server = await app.start({ port, readyPath: '/login', env: { APP_URL: origin, ...env } });
  try {
    await fn(server, origin);
  } finally {
    await server.stop();
  }
}

/** The no-JavaScript login form's post. */
function formLogin(origin: string) {
  return fetch(`${origin}/api/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ ...DEMO, returnTo: '/profile' }),
  });
}

/** The lines of the output that contain `needle`. */
const linesWith = (output: string, needle: string) => output.split('\n').filter((l) => l.includes(needle));

function expectNothingSecret(line: string, extra: string[] = []) {
  for (const s of [secret, DEMO.password, ...extra]) expect(line).not.toContain(s);
  expect(line).not.toMatch(/eyJ[A-Za-z0-9_-]{10}/);
}

describe('a fresh app set up by bffkit init, started with the usual mistakes', () => {
  it('no proxy.ts: a Server Component refresh that cannot be saved logs one warning with the fix', async () => {
    await withServer({}, async (server, origin) => {
      const login = await formLogin(origin);
      expect(login.status).toBe(303);
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      expect(cookie).toContain('bffkit=');
      await new Promise((r) => setTimeout(r, 2_500)); // the access token is due
      for (let i = 0; i < 3; i++) {
        const page = await fetch(`${origin}/profile`, { headers: { cookie } });
        expect(page.status).toBe(200);
        await page.text();
      }
      await expect.poll(() => linesWith(server.output(), 'refresh_not_persisted').length, { timeout: 10_000 }).toBe(1);
      const [line] = linesWith(server.output(), 'refresh_not_persisted');
      expect(line).toMatch(/^\[bffkit\] a Server Component refreshed the session but could not save the new tokens: no proxy.ts ran/);
      expect(line).toContain('npx bffkit init');
      expectNothingSecret(line!, cookie.split('; ').map((c) => c.split('=')[1]!.slice(0, 20)));
    });
  });

  it('no .env.local (no BFF_SECRET): one line naming BFF_SECRET and openssl rand -base64 32, a JSON 500', async () => {
    const env = join(app.dir, '.env.local');
    renameSync(env, `${env}.away`);
    try {
      await withServer({ BACKEND_URL: backend.url }, async (server, origin) => {
        for (let i = 0; i < 2; i++) {
          const res = await fetch(`${origin}/api/auth/session`);
          expect(res.status).toBe(500);
          expect(await res.json()).toEqual({ code: 'internal_error', message: 'Internal error.' });
        }
        const message = 'invalid configuration: `secret` is missing: set BFF_SECRET to a random string of at least 32 characters (`openssl rand -base64 32`)';
        // The route handler logs bffkit's line; a page whose layout reads the session (the /login
        // start-up probe) fails with Next's own print of the same ConfigError (its message, and its
        // `detail` field). All of them say the same.
        expect(linesWith(server.output(), `[bffkit] ${message}`).length).toBeGreaterThanOrEqual(1);
        for (const line of linesWith(server.output(), 'invalid configuration')) expect(line).toContain(message);
        expect(server.output()).not.toContain("Cannot read properties of undefined");
      });
    } finally {
      renameSync(`${env}.away`, env);
    }
  });

  it('BACKEND_URL where nothing listens: the form comes back with upstream_unavailable, one log line with the fix', async () => {
    const nothing = `http://127.0.0.1:${await freePort()}`;
    await withServer({ BACKEND_URL: nothing }, async (server, origin) => {
      for (let i = 0; i < 2; i++) {
        const res = await formLogin(origin);
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe(`${origin}/login?error=upstream_unavailable&returnTo=%2Fprofile`);
      }
      await expect.poll(() => linesWith(server.output(), 'backend login failed').length, { timeout: 10_000 }).toBe(1);
      const [line] = linesWith(server.output(), 'backend login failed');
      expect(line).toMatch(/^\[bffkit\] backend login failed \(unreachable\): POST \/auth\/login: could not connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Hint: check the backend url/);
      expectNothingSecret(line!, [DEMO.email]);
    });
  });
});

