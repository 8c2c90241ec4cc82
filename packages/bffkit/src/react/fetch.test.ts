import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { onSessionEvent, resetSessionEvents } from './events';
import type { SessionEvent } from './events';
import { DEFAULT_CSRF_HEADER } from '../core/defaults';
import { bffFetch, configureCsrfHeader } from './fetch';

type FetchCall = { input: RequestInfo | URL; init: RequestInit | undefined };

function stubFetch(status = 200, body: BodyInit | null = '{"ok":true}'): FetchCall[] {
  const calls: FetchCall[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ input, init });
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  });
  return calls;
}

function recordEvents(): SessionEvent[] {
  const events: SessionEvent[] = [];
  onSessionEvent((event) => events.push(event));
  return events;
}

describe('bffFetch', () => {
  beforeEach(() => {
    vi.stubGlobal('location', new URL('http://app.test/notes'));
    configureCsrfHeader(DEFAULT_CSRF_HEADER);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    resetSessionEvents();
  });

  it('sends the anti-forgery header on every method, GET included', async () => {
    const calls = stubFetch();
    await bffFetch('/api/backend/notes');
    await bffFetch('/api/backend/notes', { method: 'DELETE' });
    for (const call of calls) expect(new Headers(call.init?.headers).get('x-csrf')).toBe('1');
  });

  it('keeps the caller’s headers, method and body and sends credentials same-origin', async () => {
    const calls = stubFetch();
    await bffFetch('/api/backend/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"t"}',
      credentials: 'include',
    });
    const init = calls[0]?.init;
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe('{"title":"t"}');
    expect(init?.credentials).toBe('same-origin');
    expect(new Headers(init?.headers).get('content-type')).toBe('application/json');
  });

  it('overrides a caller-supplied anti-forgery header with the configured value', async () => {
    const calls = stubFetch();
    await bffFetch('/x', { headers: { 'x-csrf': 'nope' } });
    expect(new Headers(calls[0]?.init?.headers).get('x-csrf')).toBe('1');
  });

  it('uses the header configured by the provider', async () => {
    const calls = stubFetch();
    configureCsrfHeader({ name: 'x-requested-by', value: 'bffkit' });
    await bffFetch('/x');
    const headers = new Headers(calls[0]?.init?.headers);
    expect(headers.get('x-requested-by')).toBe('bffkit');
    expect(headers.has('x-csrf')).toBe(false);
  });

  it('accepts absolute URLs on the page’s own origin', async () => {
    const calls = stubFetch();
    await bffFetch('http://app.test/api/backend/notes');
    expect(calls).toHaveLength(1);
  });

  it.each(['https://evil.test/steal', '//evil.test/steal', '/\\evil.test/steal', 'https://app.test/x', 'javascript:alert(1)'])(
    'refuses %s with a TypeError and never calls fetch',
    async (url) => {
      const calls = stubFetch();
      await expect(bffFetch(url)).rejects.toThrow(TypeError);
      expect(calls).toHaveLength(0);
    },
  );

  it('refuses absolute URLs where there is no page origin (server side)', async () => {
    vi.stubGlobal('location', undefined);
    const calls = stubFetch();
    await expect(bffFetch('http://app.test/x')).rejects.toThrow(TypeError);
    expect(calls).toHaveLength(0);
  });

  it('announces session-ended when the response is 401', async () => {
    stubFetch(401, '{"code":"session_expired","message":"Your session has ended."}');
    const events = recordEvents();
    const response = await bffFetch('/api/backend/notes');
    expect(response.status).toBe(401);
    expect(events).toEqual([{ type: 'session-ended' }]);
  });

  it('leaves the 401 body unread for the caller', async () => {
    stubFetch(401, '{"code":"session_expired","message":"Your session has ended."}');
    const response = await bffFetch('/api/backend/notes');
    expect(response.bodyUsed).toBe(false);
    expect(await response.json()).toEqual({ code: 'session_expired', message: 'Your session has ended.' });
  });

  it.each([200, 204, 403, 404, 500, 502])('announces nothing for status %i', async (status) => {
    stubFetch(status, status === 204 ? null : '{}');
    const events = recordEvents();
    await bffFetch('/api/backend/notes');
    expect(events).toEqual([]);
  });

  it('lets a network failure reject without announcing anything', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    const events = recordEvents();
    await expect(bffFetch('/api/backend/notes')).rejects.toThrow('Failed to fetch');
    expect(events).toEqual([]);
  });
});
