/**
 * The diagnostics endpoint under attack (docs/observability.md): off in production by default,
 * behind its own token when enabled, never a token or secret in its report, and read-only (GET: no
 * refresh, no cookie written). Two apps on one backend: one as shipped, one with diagnostics on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../support/app-process';
import { item, items } from './items';
import { COOKIE, openSession, setCookieValue, tokensOf } from './lib/session';
import { expectHealthy, login, startTarget, type AppUnderTest, type Target } from './lib/stack';

const TOKEN = 'security-suite-diagnostics-token-0123456789abcdef';
const PATH = '/api/auth/diagnostics';
const TTL = 4;

let t: Target;
let on: AppUnderTest;

beforeAll(async () => {
  t = await startTarget({ accessTokenTtl: TTL });
  on = await t.extraApp({ BFF_DIAGNOSTICS: '1', BFF_DIAGNOSTICS_TOKEN: TOKEN });
});
afterAll(() => t?.stop());

const bearer = (token: string) => ({ headers: { authorization: token } });

describe(item(30), () => {
  it('the app as shipped (NODE_ENV=production): 404 like an unknown route, with or without a token', async () => {
    for (const spec of [{}, bearer(`Bearer ${TOKEN}`)]) {
      const r = await t.client.get(PATH, undefined, spec);
      expect(r.status).toBe(404);
      expect(r.json()).toEqual({ code: 'not_found', message: 'No such auth route.' });
    }
  });

  it('enabled: 401 for no token, a wrong, truncated, extended, padded, lower-cased or differently-schemed one; never echoed', async () => {
    const { cookie } = await login(on.client);
    const attempts = [
      undefined, '', 'Bearer', 'Bearer ', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}0`, `Bearer  ${TOKEN}`, `bearer ${TOKEN}`,
      `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN, `Bearer ${TOKEN.toUpperCase()}`, `Bearer ${'A'.repeat(4096)}`,
      `Bearer ${TOKEN}, Bearer ${TOKEN}`,
    ];
    for (const authorization of attempts) {
      const r = await on.client.get(PATH, cookie, authorization === undefined ? {} : bearer(authorization));
      expect([authorization?.slice(0, 30), r.status]).toEqual([authorization?.slice(0, 30), 401]);
      expect(r.json()).toMatchObject({ code: 'unauthenticated' });
      expect(r.body).not.toContain(TOKEN.slice(0, 12));
      expect(r.setCookies).toEqual([]);
    }
  });

  it('a burst of 50 wrong tokens: every one 401, then the right one 200 (no lock-out, no 500)', async () => {
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => on.client.get(PATH, undefined, bearer(`Bearer guess-${i}-${'x'.repeat(40)}`))));
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([401]));
    expect((await on.client.get(PATH, undefined, bearer(`Bearer ${TOKEN}`))).status).toBe(200);
  });
});

describe(item(2), () => {
  it('the report shows the session\'s lifetimes and expiry, never a token, the sealed cookie or a secret', async () => {
    const { cookie, reply } = await login(on.client);
    const session = openSession(setCookieValue(reply)!)!;
    const r = await on.client.get(PATH, cookie, bearer(`Bearer ${TOKEN}`));
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('private, no-store');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const body = r.json<{ session: Record<string, unknown> }>();
    expect(body.session).toMatchObject({ status: 'authenticated', refreshToken: 'present' });
    const needles = [...tokensOf(session), ...tokensOf(session).flatMap((tk) => tk.split('.').slice(1).filter((p) => p.length >= 16)), cookie.slice(COOKIE.length + 1), TEST_SECRET, TOKEN, session.id];
    for (const needle of needles) expect(r.body).not.toContain(needle);
  });
});

describe(item(15), () => {
  it('GET diagnostics changes nothing: a due token is not refreshed, no cookie is written', async () => {
    const { cookie } = await login(on.client);
    await new Promise((resolve) => setTimeout(resolve, (TTL - 0.5) * 1000));
    await t.backend.resetStats();
    const r = await on.client.get(PATH, cookie, bearer(`Bearer ${TOKEN}`));
    expect(r.status).toBe(200);
    expect(r.json<{ session: { accessToken: { refreshDue: boolean } } }>().session.accessToken.refreshDue).toBe(true);
    expect(r.setCookies).toEqual([]);
    expect((await t.backend.stats()).refreshes).toBe(0);
  });
});

describe(`server health (${items(2, 2)}, ${items(15, 15)}, ${items(30, 30)})`, () => {
  it('no request answered 500 and neither app logged an unhandled error', () => {
    expectHealthy(t);
    expectHealthy(on);
  });
});
