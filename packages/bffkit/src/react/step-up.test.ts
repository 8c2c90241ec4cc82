import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CSRF_HEADER } from '../core/defaults';
import { onSessionEvent, resetSessionEvents, type SessionEvent } from './events';
import { bffFetch, configureClient, configureCsrfHeader } from './fetch';
import { persistPendingCall, recordStepUp, resetStepUp, stepUpState, takePendingCall } from './step-up-store';

const STEP_UP = { code: 'step_up_required', message: 'm', acrValues: ['urn:bffkit:acr:mfa'], maxAge: 300, signIn: 'redirect' };

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k), clear: () => m.clear(), key: () => null, get length() { return m.size; } };
}

function stubFetch(status: number, body: unknown): void {
  vi.stubGlobal('fetch', async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
}

describe('bffFetch and step-up', () => {
  let assign: ReturnType<typeof vi.fn>;
  let events: SessionEvent[];
  beforeEach(() => {
    assign = vi.fn();
    vi.stubGlobal('location', Object.assign(new URL('http://app.test/payments?draft=1'), { assign }));
    vi.stubGlobal('sessionStorage', memoryStorage());
    vi.stubGlobal('window', {});
    configureCsrfHeader(DEFAULT_CSRF_HEADER);
    configureClient({ basePath: '/api/auth', userId: 'u-1' });
    events = [];
    onSessionEvent((e) => events.push(e));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    resetSessionEvents();
    resetStepUp();
  });

  it('a step_up_required 401 is not a sign-out: no event, the challenge and the call are recorded, the body stays unread', async () => {
    stubFetch(401, STEP_UP);
    const res = await bffFetch('/api/backend/payments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount":1}' });
    expect(events).toEqual([]);
    expect(await res.json()).toEqual(STEP_UP);
    expect(stepUpState().required).toEqual(STEP_UP);
    expect(stepUpState().call).toEqual({ url: '/api/backend/payments', method: 'POST', headers: [['content-type', 'application/json']], body: '{"amount":1}' });
    expect(assign).not.toHaveBeenCalled();
  });

  it('an ordinary 401 still ends the session in every provider', async () => {
    stubFetch(401, { code: 'unauthenticated', message: 'Sign in first.' });
    await bffFetch('/api/backend/notes');
    expect(events).toEqual([{ type: 'session-ended' }]);
    expect(stepUpState().required).toBeNull();
  });

  it("with { stepUp: 'redirect' } goes to the step-up sign-in with the levels and this page as returnTo, keeping the call for the way back", async () => {
    stubFetch(401, STEP_UP);
    await bffFetch('/api/backend/payments', { method: 'POST', body: '{}' }, { stepUp: 'redirect' });
    expect(assign).toHaveBeenCalledWith('/api/auth/oidc/login?acr_values=urn%3Abffkit%3Aacr%3Amfa&max_age=300&returnTo=%2Fpayments%3Fdraft%3D1');
    expect(takePendingCall('u-1')).toMatchObject({ url: '/api/backend/payments', method: 'POST', body: '{}' });
    // Taken once.
    expect(takePendingCall('u-1')).toBeNull();
  });

  it('does not redirect for a form sign-in (credentials backends re-authenticate in place)', async () => {
    stubFetch(401, { ...STEP_UP, signIn: 'form' });
    await bffFetch('/api/backend/payments', { method: 'POST', body: '{}' }, { stepUp: 'redirect' });
    expect(assign).not.toHaveBeenCalled();
    expect(stepUpState().required?.signIn).toBe('form');
  });

  it('keeps no retry for a body that is not a string, and retries for the same user only, within ten minutes', () => {
    recordStepUp(STEP_UP as never, null);
    persistPendingCall('u-1');
    expect(takePendingCall('u-1')).toBeNull();
    recordStepUp(STEP_UP as never, { url: '/api/backend/payments', method: 'POST', headers: [], body: '{}' });
    persistPendingCall('u-1');
    expect(takePendingCall('u-2')).toBeNull();
    persistPendingCall('u-1');
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 11 * 60 * 1000);
    expect(takePendingCall('u-1')).toBeNull();
    vi.restoreAllMocks();
  });

  it('refuses a planted record: another origin, garbage, a foreign shape', () => {
    for (const planted of ['{', '{"v":1,"userId":"u-1","at":0}', JSON.stringify({ v: 1, userId: 'u-1', at: Date.now(), call: { url: '//evil.example/x', method: 'POST', headers: [] } }), JSON.stringify({ v: 1, userId: 'u-1', at: Date.now(), call: { url: 'https://evil.example/', method: 'POST', headers: [] } })]) {
      sessionStorage.setItem('bffkit:step-up', planted);
      expect(takePendingCall('u-1')).toBeNull();
    }
  });
});
