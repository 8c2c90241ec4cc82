/**
 * The forwarding retry: an upstream that refuses the token with one of the backend adapter's
 * `rejectedStatuses` gets one retry after one refresh (Payload answers 403, not 401).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, testBff } from '../testing/support';
import { scriptedServer, type ScriptedServer } from '../testing/scripted-server';

let upstream: ScriptedServer;
let accepted: string | undefined;
beforeEach(async () => {
  upstream = await scriptedServer();
  upstream.routes.set('GET /notes', (req) => (req.headers.authorization === `Bearer ${accepted}` ? { json: [] } : { status: 403, json: { errors: [] } }));
});
afterEach(() => upstream.close());

function setup(rejectedStatuses?: number[]) {
  const t = testBff({ upstreams: { api: { url: upstream.url, mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } } });
  if (rejectedStatuses) Object.assign(t.backend, { rejectedStatuses });
  // The upstream only accepts the token of the next refresh: the session's current one is refused.
  const refresh = t.backend.refresh.bind(t.backend);
  t.backend.refresh = async (rt) => {
    const r = await refresh(rt);
    if (r.ok) accepted = r.value.accessToken;
    return r;
  };
  return t;
}

describe('forwarding retry on the configured rejected statuses', () => {
  it('retries a 403 once after one refresh when the adapter names 403', async () => {
    const { bff, backend } = setup([401, 403]);
    const { cookie } = await login(bff);
    const { response, cookies } = await bff.fetchBackend(cookie, 'api', '/notes');
    expect(response.status).toBe(200);
    expect(backend.calls.refresh).toBe(1);
    expect(cookies).toHaveLength(1);
    expect(upstream.seen).toHaveLength(2);
  });

  it('answers a 403 as it is (no refresh) by default, where only 401 means "token refused"', async () => {
    const { bff, backend } = setup();
    const { cookie } = await login(bff);
    const { response } = await bff.fetchBackend(cookie, 'api', '/notes');
    expect(response.status).toBe(403);
    expect(backend.calls.refresh).toBe(0);
    expect(upstream.seen).toHaveLength(1);
  });
});
