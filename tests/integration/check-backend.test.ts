/**
 * `npx bffkit check-backend` against the example backend (the oauth2 preset, the default): every
 * step fits; a wrong path is reported with its fix and exit status 1. The three third-party backends
 * are checked in their own files (bffkit-django, bffkit-better-auth, bffkit-payload).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBffkit } from '../support/app-client';
import { startBackend, type RunningBackend } from '../support/backend-process';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };
let backend: RunningBackend;

beforeAll(async () => {
  backend = await startBackend();
});
afterAll(() => backend?.stop());

describe('bffkit check-backend against the example backend', () => {
  it('reports every step of the contract as fitting (exit 0), never printing a token or the password', async () => {
    const { code, stdout } = await runBffkit(['check-backend', '--url', backend.url, '--user', DEMO.email], { BFFKIT_CHECK_PASSWORD: DEMO.password });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(new RegExp(`^bffkit check-backend: ${backend.url} \\(preset oauth2\\)$`, 'm'));
    for (const step of ['login', 'user', 'refresh', 'concurrent refresh', 'old token reused', 'logout', 'after logout', 'wrong password']) {
      expect(stdout).toMatch(new RegExp(`^${step}\\s.*\\sok$`, 'm'));
    }
    expect(stdout).toMatch(/^8 ok, 1 note, 0 warn, 0 fail$/m);
    expect(stdout).not.toContain(DEMO.password);
    expect(stdout).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    const stats = await backend.stats();
    expect(stats.logins).toBe(2);
    expect(stats.login_failures).toBe(1);
  });

  it('reports a wrong base path with the fix and exit status 1', async () => {
    const { code, stdout } = await runBffkit(['check-backend', '--url', `${backend.url}/api`, '--user', DEMO.email], { BFFKIT_CHECK_PASSWORD: DEMO.password });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^login\s+POST \/api\/auth\/login answered 404/m);
    expect(stdout).toContain('- login: check the backend url and login.path (is a path prefix such as /api missing or doubled?)');
  });
});
