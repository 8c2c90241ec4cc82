import { bearer } from '../credential/credential';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { behaviours, startRecordingUpstream, type RecordingUpstream } from '../../../../../tests/support/recording-upstream';
import { forwardRequest, type ForwardContext } from './forward';
import { resolveUpstream, type UpstreamOptions } from './upstream';

let up: RecordingUpstream;
beforeEach(async () => void (up = await startRecordingUpstream()));
afterEach(async () => up.close());

const ctx: ForwardContext = { credential: bearer('stale'), clientIp: '203.0.113.7', appUrl: new URL('https://app.example.com') };
const upstreamFor = (url: string, extra: Partial<UpstreamOptions> = {}) =>
  resolveUpstream('api', { url, mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET', 'POST', 'PUT'] }], ...extra });
const req = (path: string, init?: RequestInit) => new Request(`http://localhost:3000/api/backend${path}`, init);
const forward = (request: Request, extra: Partial<UpstreamOptions> = {}, context = ctx) => forwardRequest(request, upstreamFor(up.url, extra), context);

/** A request body stream of `total` bytes in 16 KB chunks, without a Content-Length. */
function streamOf(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(16 * 1024, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n));
    },
  });
}
const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  req('/notes', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { code: string; message: string };
  expect(body.code).toBe(code);
  expect(body.message).not.toMatch(/127\.0\.0\.1|stale|fresh|ECONN|at .*\(/);
}

describe('forwardRequest: timeouts and unreachable upstreams (docs/security.md 21)', () => {
  it('answers 504 upstream_timeout when the upstream does not answer in time', async () => {
    up.setHandler(behaviours.slow(2_000));
    const started = Date.now();
    await expectError(await forward(req('/notes'), { timeout: 0.2 }), 504, 'upstream_timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('does not time out a steady upload that lasts longer than the timeout', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= 20) return controller.close();
        await new Promise((r) => setTimeout(r, 40));
        sent++;
        controller.enqueue(new Uint8Array(8 * 1024));
      },
    });
    const started = Date.now();
    const res = await forward(post(body), { timeout: 0.3 });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThan(600);
    expect(up.requests[0]!.bodyBytes).toBe(20 * 8 * 1024);
  });

  it('answers 504 when the upstream stops reading the request body', async () => {
    const stalled = await startRecordingUpstream(() => undefined, { consumeBody: false });
    try {
      const res = await forwardRequest(post(streamOf(64 * 1024 * 1024)), upstreamFor(stalled.url, { timeout: 0.3, maxRequestBodyBytes: 128 * 1024 * 1024 }), ctx);
      await expectError(res, 504, 'upstream_timeout');
    } finally {
      await stalled.close();
    }
  });

  it('answers 502 upstream_unavailable when the connection is refused', async () => {
    const url = up.url;
    await up.close();
    await expectError(await forwardRequest(req('/notes'), upstreamFor(url), ctx), 502, 'upstream_unavailable');
  });

  it('answers 502 upstream_unavailable when the upstream resets the connection', async () => {
    up.setHandler(behaviours.reset());
    await expectError(await forward(req('/notes', { method: 'POST', body: '{}' })), 502, 'upstream_unavailable');
  });

  it('answers 502 upstream_unavailable for an unresolvable host, without naming it', async () => {
    await expectError(await forwardRequest(req('/notes'), upstreamFor('http://bffkit-no-such-host.invalid'), ctx), 502, 'upstream_unavailable');
  });

  it('stops waiting when the browser goes away', async () => {
    up.setHandler(behaviours.slow(5_000));
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const started = Date.now();
    const res = await forward(req('/notes', { signal: abort.signal }));
    expect(res.status).toBe(502);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('forwardRequest: body size limit (docs/security.md 21)', () => {
  it('answers 413 before calling the upstream when Content-Length is over the limit', async () => {
    const res = await forward(post('x'.repeat(2_000), { 'content-length': '2000' }), { maxRequestBodyBytes: 1_000 });
    await expectError(res, 413, 'payload_too_large');
    expect(up.requests).toHaveLength(0);
  });

  it('answers 413 when a body without Content-Length grows past the limit', async () => {
    const res = await forward(post(streamOf(5 * 1024 * 1024)), { maxRequestBodyBytes: 1024 * 1024 });
    await expectError(res, 413, 'payload_too_large');
    await vi.waitFor(() => expect(up.requests.length).toBeLessThanOrEqual(1));
    for (const r of up.requests) expect(r.bodyBytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('answers 413 for a small body under the 64 KB buffer that is over a small limit', async () => {
    await expectError(await forward(post('x'.repeat(600)), { maxRequestBodyBytes: 500 }), 413, 'payload_too_large');
    expect(up.requests).toHaveLength(0);
  });

  it('answers 400 for a malformed Content-Length', async () => {
    await expectError(await forward(post('x', { 'content-length': 'abc' })), 400, 'invalid_request');
    expect(up.requests).toHaveLength(0);
  });

  it('streams a large body with a known Content-Length as such, not chunked', async () => {
    const size = 300 * 1024;
    const res = await forward(post(streamOf(size), { 'content-length': String(size) }));
    expect(res.status).toBe(200);
    expect(up.requests[0]).toMatchObject({ bodyBytes: size, headers: { 'content-length': String(size) } });
    expect(up.requests[0]!.headers['transfer-encoding']).toBeUndefined();
  });
});

describe('forwardRequest: one retry after a 401', () => {
  it('refreshes once and retries once with the new token, replaying a small body', async () => {
    up.setHandler(behaviours.unauthorizedUnless('fresh'));
    const onUnauthorized = vi.fn(async () => bearer('fresh'));
    const res = await forward(post('{"title":"x"}'), {}, { ...ctx, onUnauthorized });
    expect(res.status).toBe(200);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(up.requests.map((r) => r.headers.authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
    expect(up.requests.map((r) => r.body.toString())).toEqual(['{"title":"x"}', '{"title":"x"}']);
  });

  it('returns the 401 as is when no fresh token is available (WWW-Authenticate stripped)', async () => {
    up.setHandler(behaviours.unauthorizedUnless('fresh'));
    const onUnauthorized = vi.fn(async () => null);
    const res = await forward(req('/notes'), {}, { ...ctx, onUnauthorized });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'token_expired' });
    expect(res.headers.has('www-authenticate')).toBe(false);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(up.requests).toHaveLength(1);
  });

  it('never loops: a second 401 with the fresh token is returned', async () => {
    up.setHandler(behaviours.alwaysUnauthorized());
    const onUnauthorized = vi.fn(async () => bearer('fresh'));
    const res = await forward(req('/notes'), {}, { ...ctx, onUnauthorized });
    expect(res.status).toBe(401);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(up.requests).toHaveLength(2);
  });

  it('reports a failing refresh with its own error code (e.g. store_unavailable), not a 401', async () => {
    up.setHandler(behaviours.alwaysUnauthorized());
    const { BffError } = await import('../errors');
    const res = await forward(req('/notes'), {}, { ...ctx, onUnauthorized: async () => { throw new BffError('store_unavailable', 'Session store unavailable.'); } });
    await expectError(res, 503, 'store_unavailable');
    expect(up.requests).toHaveLength(1);
  });

  it('does not retry a body too large to replay (over 64 KB)', async () => {
    up.setHandler(behaviours.unauthorizedUnless('fresh'));
    const onUnauthorized = vi.fn(async () => bearer('fresh'));
    const res = await forward(post(streamOf(200 * 1024)), {}, { ...ctx, onUnauthorized });
    expect(res.status).toBe(401);
    expect(onUnauthorized).not.toHaveBeenCalled();
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]!.bodyBytes).toBe(200 * 1024);
  });

  it('retries a small body even without Content-Length (it is buffered, at most 64 KB)', async () => {
    up.setHandler(behaviours.unauthorizedUnless('fresh'));
    const res = await forward(post(streamOf(10 * 1024)), {}, { ...ctx, onUnauthorized: async () => bearer('fresh') });
    expect(res.status).toBe(200);
    expect(up.requests.map((r) => r.bodyBytes)).toEqual([10 * 1024, 10 * 1024]);
  });
});

describe('forwardRequest: connection reuse', () => {
  it('reuses one keep-alive connection for sequential calls', async () => {
    const upstream = upstreamFor(up.url);
    for (let i = 0; i < 20; i++) await (await forwardRequest(req(`/notes/${i}`), upstream, ctx)).text();
    expect(up.requests).toHaveLength(20);
    expect(up.connections()).toBe(1);
  });

  it('retries an idempotent call once when a reused connection turns out to be dead', async () => {
    const upstream = upstreamFor(up.url);
    await (await forwardRequest(req('/notes/1'), upstream, ctx)).text();
    let killed = false;
    const echo = behaviours.echo();
    up.setHandler((r, s, rec) => {
      if (killed) return echo(r, s, rec);
      killed = true;
      r.socket.destroy();
    });
    const res = await forwardRequest(req('/notes/2'), upstream, ctx);
    expect(res.status).toBe(200);
    expect(up.requests.map((r) => r.path)).toEqual(['/notes/1', '/notes/2', '/notes/2']);
  });

  it('does not retry a POST on a dead reused connection', async () => {
    const upstream = upstreamFor(up.url);
    await (await forwardRequest(req('/notes/1'), upstream, ctx)).text();
    up.setHandler(behaviours.reset());
    const res = await forwardRequest(req('/notes', { method: 'POST', body: '{}' }), upstream, ctx);
    expect(res.status).toBe(502);
    expect(up.requests).toHaveLength(2);
  });
});
