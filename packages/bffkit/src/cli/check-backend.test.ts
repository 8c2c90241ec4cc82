import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scriptedServer, type ScriptedServer } from '../core/testing/scripted-server';
import type { CommandIo } from './command';
import { main } from './index';

const PASSWORD = 'pw-secret-0123456789';
const ACCESS = 'secret-access-token-0123456789abcdef';
const REFRESH = 'secret-refresh-token-0123456789abcdef';

let server: ScriptedServer;
beforeEach(async () => {
  server = await scriptedServer();
});
afterEach(() => server.close());

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CommandIo = { out: (t) => void out.push(t), err: (t) => void err.push(t), env: { BFFKIT_CHECK_PASSWORD: PASSWORD, ...env }, cwd: tmpdir() };
  return { io: value, out, err, text: () => [...out, ...err].join('\n') };
}

describe('bffkit (the dispatcher)', () => {
  it('lists the commands for no command or --help, and refuses an unknown one with 2', async () => {
    const a = io();
    expect(await main([], a.io)).toBe(0);
    expect(a.out.join('\n')).toMatch(/check-backend\s+run the adapter contract/);
    const b = io();
    expect(await main(['nope'], b.io)).toBe(2);
    expect(b.err.join('\n')).toMatch(/unknown command "nope"/);
  });
});

describe('bffkit check-backend', () => {
  it('prints its usage with --help', async () => {
    const a = io();
    expect(await main(['check-backend', '--help'], a.io)).toBe(0);
    expect(a.out[0]).toMatch(/^Usage: bffkit check-backend/);
  });

  it.each([
    [['--nope'], /Unknown option '--nope'/],
    [['--user', 'a'], /a test account is needed/, { BFFKIT_CHECK_PASSWORD: '' }],
    [['--user', 'a'], /no backend url/],
    [['--user', 'a', '--url', 'http://127.0.0.1:1', '--preset', 'django'], /`backend.preset` must be one of oauth2, simplejwt, betterAuth, payload/],
  ] as [string[], RegExp, Record<string, string>?][])('answers 2 with a clear message for %j', async (args, message, env) => {
    const a = io(env);
    expect(await main(['check-backend', ...args], a.io)).toBe(2);
    expect(a.err.join('\n')).toMatch(message);
  });

  it('reports a nested token answer as a failure with the option to set, and never prints a token or the password', async () => {
    server.routes.set('POST /auth/login', { json: { data: { access_token: ACCESS, refresh_token: REFRESH, expires_in: 300 } } });
    const a = io();
    expect(await main(['check-backend', '--url', server.url, '--user', 'alice@example.com'], a.io)).toBe(1);
    const text = a.text();
    expect(text).toMatch(/^login\s+POST \/auth\/login answered 200 without a string at\s+answers 502\/504/m);
    expect(text).toContain(
      "tokens: { access: 'data.access_token', refresh: 'data.refresh_token', expiry: { path: 'data.expires_in', unit: 'seconds' } },  // the access token is there; the refresh token is there; `data.expires_in` looks like the expiry (seconds)",
    );
    for (const secret of [PASSWORD, ACCESS, REFRESH]) expect(text).not.toContain(secret);
  });

  it('runs the whole contract from a JSON config file, as JSON output', async () => {
    let serial = 0;
    const live = new Set<string>();
    const issue = () => {
      serial++;
      live.add(`${REFRESH}-${serial}`);
      return { json: { token: `${ACCESS}-${serial}`, renew: `${REFRESH}-${serial}`, ttl: 300 } };
    };
    server.routes.set('POST /v1/login', (req) => (JSON.parse(req.body).identifier === 'alice' && JSON.parse(req.body).secret === PASSWORD ? issue() : { status: 401, json: {} }));
    server.routes.set('POST /v1/refresh', (req) => (live.delete(JSON.parse(req.body).renew) ? issue() : { status: 401, json: {} }));
    server.routes.set('POST /v1/logout', (req) => (live.delete(JSON.parse(req.body).renew), { status: 204 }));
    server.routes.set('GET /v1/me', { json: { id: 'u1', name: 'Alice' } });
    const dir = mkdtempSync(join(tmpdir(), 'bffkit-cli-'));
    writeFileSync(join(dir, 'backend.json'), JSON.stringify({
      url: `${server.url}/v1`,
      login: { path: '/login', fields: { identifier: 'email', secret: 'password' } },
      tokens: { access: 'token', refresh: 'renew', expiry: { path: 'ttl', unit: 'seconds' } },
      refresh: { path: '/refresh', field: 'renew' },
      logout: { path: '/logout', mode: 'body' },
      user: { path: '/me' },
    }));
    const a = io();
    a.io.cwd = dir;
    expect(await main(['check-backend', '--config', 'backend.json', '--user', 'alice', '--json'], a.io)).toBe(0);
    const report = JSON.parse(a.out.join('\n')) as { rows: { step: string; verdict: string }[] };
    expect(report.rows.map((r) => `${r.step}:${r.verdict}`)).toEqual([
      'login:ok', 'user:ok', 'refresh:ok', 'concurrent refresh:ok', 'old token reused:ok', 'logout:ok', 'after logout:ok', 'access after logout:note', 'wrong password:ok',
    ]);
    for (const secret of [PASSWORD, ACCESS, REFRESH]) expect(a.text()).not.toContain(secret);
  });
});
