import { describe, expect, it } from 'vitest';
import type { BackendAdapter } from '../adapter';
import { createBff } from '../../bff';
import { APP, SECRET, cookieHeaderFrom, fakeClock, jsonPost } from '../../testing/support';

describe('a refreshed OpenID Connect session', () => {
  it('keeps its ID token when the refresh answer has none (needed for logout and back-channel matching)', async () => {
    const clock = fakeClock();
    let n = 0;
    const backend: BackendAdapter = {
      kind: 'test',
      login: async () => ({ ok: true, value: { accessToken: 'at-0', refreshToken: 'rt-0', idToken: 'id.token.0', expiresAt: clock() + 60, issuedAt: clock() } }),
      refresh: async () => ({ ok: true, value: { accessToken: `at-${++n}`, refreshToken: `rt-${n}`, expiresAt: clock() + 60, issuedAt: clock() } }),
      user: async () => ({ ok: true, value: { id: 'sub-1' } }),
    };
    const bff = createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger: { info() {}, warn() {}, error() {} } });
    const login = await bff.handleAuth(jsonPost('/api/auth/login', { email: 'a@b.c', password: 'pw' }));
    expect(login.status).toBe(200);
    const loaded = await bff.loadSession(cookieHeaderFrom(login.headers.getSetCookie()), 'force' as 'if-due');
    expect(loaded.kind).toBe('active');
    if (loaded.kind !== 'active') return;
    expect(loaded.session.tokens).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1', idToken: 'id.token.0' });
  });
});
