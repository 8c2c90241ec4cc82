import { bearer } from '../credential/credential';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { behaviours, startRecordingUpstream, type RecordingUpstream } from '../../../../../tests/support/recording-upstream';
import { forwardRequest, type ForwardContext } from './forward';
import { resolveUpstream, type ResolvedUpstream } from './upstream';

const MB = 1024 * 1024;
/** Peak RSS growth allowed while moving a body through the forwarder (far below the body sizes). */
const MAX_RSS_GROWTH = 64 * MB;

let up: RecordingUpstream;
let upstream: ResolvedUpstream;
const ctx: ForwardContext = { credential: bearer('tok'), clientIp: '127.0.0.1', appUrl: new URL('http://localhost:3000') };
beforeAll(async () => {
  up = await startRecordingUpstream();
  upstream = resolveUpstream('api', {
    url: up.url,
    mount: '/api/backend',
    allow: [{ path: '/files', methods: ['GET', 'PUT'] }],
    maxRequestBodyBytes: 100 * MB,
  });
});
afterAll(async () => up.close());

/** Bytes a stalled reader may leave in flight (socket buffers + stream queues) before back-pressure stops the writer. */
const MAX_IN_FLIGHT = 32 * MB;

async function drain(body: ReadableStream<Uint8Array> | null): Promise<number> {
  let n = 0;
  const reader = body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
}

/** Runs `work` while sampling RSS every 20 ms; returns the peak growth over the starting RSS. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss) - start;
}

describe('forwardRequest streams bodies without buffering them', () => {
  it('forwards a 200 MB download with bounded memory', async () => {
    const size = 200 * MB;
    up.setHandler(behaviours.download(size));
    // Warm up first so one-time allocations (JIT, agent, buffers) do not count as growth.
    up.setHandler(behaviours.download(8 * MB));
    await drain((await forwardRequest(new Request('http://localhost:3000/api/backend/files/warm'), upstream, ctx)).body);
    up.setHandler(behaviours.download(size));
    let received = 0;
    const growth = await peakRssGrowth(async () => {
      const res = await forwardRequest(new Request('http://localhost:3000/api/backend/files/big'), upstream, ctx);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(size));
      received = await drain(res.body);
    });
    expect(received).toBe(size);
    if (process.env.BFFKIT_PRINT_MEMORY) console.log(`peak RSS growth: ${(growth / MB).toFixed(1)} MB`);
    expect(growth).toBeLessThan(MAX_RSS_GROWTH);
  }, 60_000);

  it('forwards a 50 MB upload with bounded memory', async () => {
    const size = 50 * MB;
    up.setHandler(behaviours.respond(201, { 'content-type': 'application/json' }, '{"stored":true}'));
    const chunk = new Uint8Array(64 * 1024).fill(0x62);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= size) return controller.close();
        sent += chunk.byteLength;
        // a fresh copy each time, as a real incoming request would produce
        controller.enqueue(chunk.slice());
      },
    });
    const growth = await peakRssGrowth(async () => {
      const request = new Request('http://localhost:3000/api/backend/files/upload', {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
        duplex: 'half',
      } as RequestInit);
      const res = await forwardRequest(request, upstream, ctx);
      expect(res.status).toBe(201);
      await res.text();
    });
    const seen = up.requests.at(-1)!;
    expect(seen.bodyBytes).toBe(size);
    expect(seen.headers['content-length']).toBe(String(size));
    if (process.env.BFFKIT_PRINT_MEMORY) console.log(`peak RSS growth: ${(growth / MB).toFixed(1)} MB`);
    expect(growth).toBeLessThan(MAX_RSS_GROWTH);
  }, 60_000);

  it('applies back-pressure to the upstream when the browser reads a download slowly', async () => {
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024);
    up.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = (): void => {
        while (written < 500 * MB) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const res = await forwardRequest(new Request('http://localhost:3000/api/backend/files/slow'), upstream, ctx);
    const reader = res.body!.getReader();
    for (let i = 0; i < 10; i++) await reader.read();
    await new Promise((r) => setTimeout(r, 500));
    if (process.env.BFFKIT_PRINT_MEMORY) console.log(`written while stalled: ${(written / MB).toFixed(1)} MB`);
    expect(written).toBeLessThan(MAX_IN_FLIGHT);
    await reader.cancel();
  });

  it('applies back-pressure to the browser body when the upstream reads an upload slowly', async () => {
    const paused = await startRecordingUpstream(
      (req: IncomingMessage, res) => {
        setTimeout(() => {
          req.resume();
          req.on('end', () => res.end('done'));
        }, 500);
      },
      { consumeBody: false },
    );
    try {
      const target = resolveUpstream('p', { url: paused.url, mount: '/api/backend', allow: [{ path: '/files', methods: ['PUT'] }], maxRequestBodyBytes: 200 * MB });
      let pulled = 0;
      let pulledWhilePaused = 0;
      setTimeout(() => (pulledWhilePaused = pulled), 400);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= 100 * MB) return controller.close();
          pulled += 64 * 1024;
          controller.enqueue(new Uint8Array(64 * 1024));
        },
      });
      const request = new Request('http://localhost:3000/api/backend/files/up', { method: 'PUT', body, duplex: 'half' } as RequestInit);
      const res = await forwardRequest(request, target, ctx);
      expect(await res.text()).toBe('done');
      if (process.env.BFFKIT_PRINT_MEMORY) console.log(`pulled while stalled: ${(pulledWhilePaused / MB).toFixed(1)} MB`);
      expect(pulledWhilePaused).toBeGreaterThan(0);
      expect(pulledWhilePaused).toBeLessThan(MAX_IN_FLIGHT);
      expect(pulled).toBe(100 * MB);
    } finally {
      await paused.close();
    }
  }, 30_000);
});
