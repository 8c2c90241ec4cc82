/**
 * SECURITY.md 28 against a backend whose login field is not `email`: the real Django + simplejwt
 * process (it checks `username`) behind the example app with the simplejwt preset. The login limit
 * counts per the identity the backend checks, normalised; an attacker who varies a field the backend
 * ignores, sends the backend's own field name directly, or re-spells the identity gets no extra
 * guesses, and the attempts over the limit never reach the backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { startDjango, type DjangoBackend } from '../support/django-process';
import { jsonPost } from '../support/http';
import { item } from './items';

let django: DjangoBackend;
let app: AppProcess;
/** Sign-in attempts that reached Django (its access log has one line per request). */
const attemptsAtDjango = () => (django.output().match(/"POST \/api\/token\/ HTTP\/1\.1" \d{3}/g) ?? []).length;
const login = (body: Record<string, string>) => jsonPost(`${app.url}/api/auth/login`, body);

beforeAll(async () => {
  django = await startDjango();
  app = await startApp({ backendUrl: django.url, env: { BFF_BACKEND_PRESET: 'simplejwt' } });
});

afterAll(async () => {
  await app?.stop();
  await django?.stop();
});

describe(item(28), () => {
  it('varying fields the backend ignores (username, identifier, anything) opens no fresh count', async () => {
    const before = attemptsAtDjango();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await login({ email: 'alice', username: `decoy-${i}`, identifier: `decoy-${i}@example.com`, password: `guess-${i}` });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Only the five counted attempts reached Django; the limited ones were never sent.
    expect(attemptsAtDjango() - before).toBe(5);
  });

  it('the right password is refused too while the account is limited, whatever the decoys', async () => {
    const res = await login({ email: 'alice', username: 'someone-else', password: django.user.password });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('re-spelling the identity (case, spaces, full-width letters, invisible characters) counts as the same account', async () => {
    const before = attemptsAtDjango();
    for (const spelling of ['ALICE', ' alice ', '\uff41\uff4c\uff49\uff43\uff45', 'ali\u200bce', 'al\u00adice']) {
      const res = await login({ email: spelling, password: 'guess' });
      expect(res.status, JSON.stringify(spelling)).toBe(429);
    }
    expect(attemptsAtDjango() - before).toBe(0);
  });

  it("the backend's field sent directly never reaches it: only the mapped value does", async () => {
    // `username` is what Django checks; the browser may send it, but the adapter only sends the mapped
    // `email` value under that name. A fresh identity proves the mapping: the decoy username is ignored.
    const res = await login({ email: 'bob', username: 'alice', password: django.user.password });
    expect(res.status).toBe(401);
  });
});
