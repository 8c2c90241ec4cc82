import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import { fakeBackend, fakeClock, SECRET, APP } from '../testing/support';
import { Refresher } from './refresh';

const quiet = { info() {}, warn() {}, error() {} };

function setup(rotate = true) {
  const clock = fakeClock();
  const backend = fakeBackend(clock, { rotate });
  const config = resolveConfig({
    secret: SECRET,
    baseUrl: APP,
    backend,
    clock,
    logger: quiet,
    upstreams: { billing: { url: 'http://127.0.0.1:9', mount: '/api/billing', allow: [{ path: '/x', methods: ['GET'] }], token: { resource: 'urn:billing' } } },
  });
  return { backend, refresher: new Refresher(config), clock };
}

describe('Refresher: refreshes for another resource share the refresh token\'s single flight', () => {
  it('a main refresh and a resource refresh racing on one rotating refresh token present it once, then continue with its successor', async () => {
    const { backend, refresher } = setup();
    const first = (await backend.login({ email: 'demo@example.com', password: 'demo-password' })) as { ok: true; value: { refreshToken: string } };
    const rt1 = first.value.refreshToken;
    const [billing, main] = await Promise.all([refresher.refresh(rt1, { resource: 'urn:billing' }), refresher.refresh(rt1)]);
    expect(billing.ok && main.ok).toBe(true);
    // RT1 once; the loser of the lock continued with RT1's successor instead of presenting RT1 again.
    expect(backend.refreshedWith[0]).toBe(rt1);
    expect(backend.refreshedWith).toHaveLength(2);
    expect(backend.refreshedWith[1]).not.toBe(rt1);
    expect(backend.refreshedWith.filter((t) => t === rt1)).toHaveLength(1);
  });

  it('a late request still carrying the rotated token, for another resource, continues with the successor (no reuse)', async () => {
    const { backend, refresher } = setup();
    const rt1 = ((await backend.login({ email: 'demo@example.com', password: 'demo-password' })) as { ok: true; value: { refreshToken: string } }).value.refreshToken;
    const main = await refresher.refresh(rt1);
    if (!main.ok) throw new Error('expected a refresh');
    const late = await refresher.refresh(rt1, { resource: 'urn:billing' });
    expect(late.ok).toBe(true);
    expect(backend.refreshedWith).toEqual([rt1, main.tokens.refreshToken]);
  });

  it('many concurrent resource refreshes of one token: one backend call, the same answer for all', async () => {
    const { backend, refresher } = setup();
    const rt1 = ((await backend.login({ email: 'demo@example.com', password: 'demo-password' })) as { ok: true; value: { refreshToken: string } }).value.refreshToken;
    const all = await Promise.all(Array.from({ length: 20 }, () => refresher.refresh(rt1, { resource: 'urn:billing' })));
    expect(backend.calls.refresh).toBe(1);
    expect(new Set(all.map((o) => (o.ok ? o.tokens.accessToken : 'x'))).size).toBe(1);
  });

  it('a non-rotating backend: a due successor record is not handed out again (the next refresh really refreshes)', async () => {
    const { backend, refresher, clock } = setup(false);
    const rt = ((await backend.login({ email: 'demo@example.com', password: 'demo-password' })) as { ok: true; value: { refreshToken: string } }).value.refreshToken;
    const one = await refresher.refresh(rt);
    clock.advance(400);
    const two = await refresher.refresh(rt);
    expect(one.ok && two.ok).toBe(true);
    if (one.ok && two.ok) expect(two.tokens.accessToken).not.toBe(one.tokens.accessToken);
    expect(backend.calls.refresh).toBe(2);
  });
});
