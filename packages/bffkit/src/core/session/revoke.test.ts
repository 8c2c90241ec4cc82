import { describe, expect, it } from 'vitest';
import { jsonPost, login, testBff } from '../testing/support';

describe('revocation results are reported, never dropped', () => {
  it('logout answers revocation: failed and logs one line when the backend could not revoke', async () => {
    const { bff, backend, logger } = testBff();
    backend.revoke = async () => ({ ok: false, reason: 'unavailable' }) as never;
    const { cookie } = await login(bff);
    const res = await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'unauthenticated', revocation: 'failed' });
    expect(res.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect(logger.lines.filter((l) => l.message.startsWith('backend logout failed'))).toHaveLength(1);
  });

  it('sign-out everywhere counts the failed revocations', async () => {
    const { bff, backend } = testBff();
    backend.revoke = async () => ({ ok: false, reason: 'timeout' }) as never;
    const { cookie } = await login(bff);
    expect(await bff.endAllSessions(cookie)).toMatchObject({ ended: 1, signedOut: true, revocationsFailed: 1 });
  });

  it('says nothing extra when the revocation worked', async () => {
    const { bff, backend } = testBff();
    backend.revoke = async () => ({ ok: true, value: 'revoked' }) as never;
    const { cookie } = await login(bff);
    expect(await (await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }))).json()).toEqual({ status: 'unauthenticated' });
    const again = await login(bff);
    expect(await bff.endAllSessions(again.cookie)).not.toHaveProperty('revocationsFailed');
  });
});
