/**
 * docs/security.md 27-28 over HTTP: one generic answer for every failed login, request bodies never
 * logged, and brute-force limits per account (always) and per client address (when the app trusts
 * its proxy's X-Forwarded-For), with spoofing attempts that must not get around them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from './lib/client';
import { DEMO, SECOND } from './lib/session';
import { expectHealthy, login, startTarget, type AppUnderTest, type Target } from './lib/stack';
import { item, items } from './items';

const GENERIC = { code: 'login_failed', message: 'Invalid email or password.' };
let t: Target;

beforeAll(async () => {
  t = await startTarget();
});

afterAll(async () => {
  await t?.stop();
});

const unknown = () => `nobody-${randomUUID()}@example.com`;

/** Headers that may differ between two otherwise identical answers. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);
const stable = (r: Reply) => Object.fromEntries(Object.entries(r.headers).filter(([k]) => !VOLATILE.has(k)));

function expectRateLimited(r: Reply, what: string): void {
  expect(r.status, `${what}: ${r.body}`).toBe(429);
  expect(r.json(), what).toMatchObject({ code: 'rate_limited' });
  const retry = Number(r.headers['retry-after']);
  expect(Number.isInteger(retry) && retry > 0 && retry <= 15 * 60, `${what}: Retry-After ${r.headers['retry-after']}`).toBe(true);
}

describe(item(27), () => {
  it('unknown account and wrong password get the same status, body and headers, not the backend\'s words', async () => {
    const attempts = [
      { email: unknown(), password: 'whatever-1' },
      { email: DEMO.email, password: 'wrong-password' },
      { email: SECOND.email, password: 'wrong-password' },
      { email: 'DEMO@EXAMPLE.COM', password: 'wrong-password' },
      { email: `${unknown()}x`, password: DEMO.password },
    ];
    const replies = [];
    for (const a of attempts) replies.push(await t.client.json('/api/auth/login', a));
    for (const r of replies) {
      expect(r.status).toBe(401);
      expect(r.json()).toEqual(GENERIC);
      expect(r.body).not.toMatch(/invalid_credentials|not found|unknown user|no such/i);
      expect(stable(r)).toEqual(stable(replies[0]!));
    }
    // The no-JS form: one Location for every reason.
    const forms = [];
    for (const a of attempts.slice(0, 2)) forms.push(await t.client.form('/api/auth/login', { ...a, returnTo: '/notes' }));
    expect(new Set(forms.map((f) => f.headers.location)).size).toBe(1);
    expect(forms[0]!.headers.location).toContain('error=login_failed');
    await login(t.client); // resets demo's counter for later tests
    await login(t.client, SECOND);
  });

  it('never logs the request body: emails, passwords and raw bodies stay out of the server log', async () => {
    const marker = `MARKER${randomUUID().replaceAll('-', '')}`;
    const email = `${marker.toLowerCase()}@example.com`;
    await t.client.json('/api/auth/login', { email, password: `${marker}-pw` });
    await t.client.json('/api/auth/login', { email: DEMO.email, password: `${marker}-wrong` });
    await t.client.form('/api/auth/login', { email, password: `${marker}-form` });
    await t.client.json('/api/auth/login', `{"email":"${email}","password":"${marker}-broken"`);
    await t.client.json('/api/auth/login', { email, password: `${marker}-big`, pad: 'x'.repeat(20_000) });
    await t.client.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `${marker}-text` });
    await t.client.json('/api/auth/login', { email: DEMO.email, password: DEMO.password, note: `${marker}-ok` });
    await new Promise((r) => setTimeout(r, 300));
    const output = t.app.output();
    expect(output).not.toContain(marker);
    expect(output).not.toContain(marker.toLowerCase());
    expect(output).not.toContain(DEMO.password);
  });
});

describe(item(28), () => {
  it('per account: the 6th attempt within the window is 429 with Retry-After, even with the right password (JSON and form)', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await t.client.json('/api/auth/login', { email: SECOND.email, password: `wrong-${i}` });
      expect(r.status, `attempt ${i + 1}`).toBe(401);
    }
    expectRateLimited(await t.client.json('/api/auth/login', SECOND), 'right password while locked');
    const form = await t.client.form('/api/auth/login', { ...SECOND, returnTo: '/notes' });
    expect(form.status).toBe(303);
    expect(form.headers.location).toContain('error=rate_limited');
    expect(Number(form.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('per account: case, whitespace and spoofed X-Forwarded-For (trustProxy unset) do not get around the lock', async () => {
    for (const [email, xff] of [
      ['SECOND@example.com', '198.51.100.1'],
      [' second@example.com ', '198.51.100.2'],
      ['second@EXAMPLE.com', '198.51.100.3, 198.51.100.4'],
    ] as const) {
      const r = await t.client.json('/api/auth/login', { email, password: SECOND.password }, { headers: { 'x-forwarded-for': xff, 'x-real-ip': xff } });
      expectRateLimited(r, `${email} via ${xff}`);
    }
  });

  it('per account: a successful login resets the count (4 failures, success, 4 failures: never locked)', async () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expect((await t.client.json('/api/auth/login', { email: DEMO.email, password: `nope-${i}` })).status).toBe(401);
      expect((await t.client.json('/api/auth/login', DEMO)).status, `round ${round}`).toBe(200);
    }
  });

  it('without trustProxy, X-Forwarded-For is ignored: failures spread over many accounts are not pinned on a spoofed address', async () => {
    for (let i = 0; i < 25; i++) {
      const r = await t.client.json('/api/auth/login', { email: unknown(), password: 'x' }, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(r.status, `attempt ${i + 1}`).toBe(401);
    }
    // The victim using that "address" is not locked out by someone else's header.
    expect((await t.client.json('/api/auth/login', DEMO, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
  });

  describe('with BFF_TRUST_PROXY=1 (one trusted proxy appends the client address)', () => {
    let trusting: AppUnderTest;
    beforeAll(async () => {
      trusting = await t.extraApp({ BFF_TRUST_PROXY: '1' });
    });

    it('per address: 20 failures over rotating accounts, then 429 with Retry-After, even for a right password', async () => {
      const from = { 'x-forwarded-for': '203.0.113.9' };
      for (let i = 0; i < 20; i++) {
        const r = await trusting.client.json('/api/auth/login', { email: unknown(), password: 'x' }, { headers: from });
        expect(r.status, `attempt ${i + 1}`).toBe(401);
      }
      expectRateLimited(await trusting.client.json('/api/auth/login', { email: unknown(), password: 'x' }, { headers: from }), '21st');
      expectRateLimited(await trusting.client.json('/api/auth/login', DEMO, { headers: from }), 'right password');
    });

    it('per address: rotating the client-written left part of X-Forwarded-For does not help; another client is unaffected', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await trusting.client.json('/api/auth/login', { email: unknown(), password: 'x' }, { headers: { 'x-forwarded-for': `10.0.0.${i}, 203.0.113.9` } });
        expectRateLimited(r, `left part 10.0.0.${i}`);
      }
      const other = await trusting.client.json('/api/auth/login', DEMO, { headers: { 'x-forwarded-for': '203.0.113.10' } });
      expect(other.status).toBe(200);
    });

    it('left the trusting app healthy', () => {
      expectHealthy(trusting);
    });
  });
});

describe(`server health (${items(27, 28)})`, () => {
  it('no request answered 500 and the app logged no unhandled error', () => {
    expectHealthy(t);
  });
});
