import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { AppEnv } from '../deps';
import { intQuery, problem } from '../http';

/** Largest download served by `/notes/export/stream` (300 MiB). */
export const MAX_EXPORT_BYTES = 300 * 1024 * 1024;
/** Largest upload consumed by `/notes/import/stream` (1 GiB). */
export const MAX_IMPORT_BYTES = 1024 * 1024 * 1024;
/** Longest wait of `/notes/slow`, in milliseconds. */
export const MAX_SLOW_MS = 60_000;

/** Pattern period: byte at offset k of every export is `k % 251` (a prime, so it never aligns with chunking). */
const PERIOD = 251;
/** One chunk: 256 full periods (64,256 bytes), reused for every enqueue. */
const BLOCK = Uint8Array.from({ length: PERIOD * 256 }, (_, i) => i % PERIOD);

/**
 * The deterministic export content: byte at offset `k` is `k % 251`. Exported so tests can check data.
 *
 * @example
 * exportByteAt(252); // 1
 */
export function exportByteAt(offset: number): number {
  return offset % PERIOD;
}

function patternStream(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      // Why: pull-based, one chunk at a time, so memory stays flat whatever N is (backpressure).
      pull(controller) {
        const remaining = total - sent;
        if (remaining <= 0) {
          controller.close();
          return;
        }
        // Every chunk is a whole number of periods except possibly the last, so offsets line up.
        const chunk = remaining >= BLOCK.length ? BLOCK : BLOCK.subarray(0, remaining);
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 1 },
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Large-body and slow test endpoints, mounted at `/notes` BEFORE the `/:id` routes:
 * `GET /export/stream?bytes=N`, `POST /import/stream`, `GET /slow?ms=N`.
 *
 * @example
 * app.route('/notes', streamRoutes());
 */
export function streamRoutes(): Hono<AppEnv> {
  const streams = new Hono<AppEnv>();

  streams.get('/export/stream', (c) => {
    const bytes = intQuery(c.req.query('bytes'), 'bytes', 0, MAX_EXPORT_BYTES);
    if (!bytes.ok) return problem(c, bytes.status, bytes.code, bytes.message);
    return new Response(patternStream(bytes.value), {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.value),
        'cache-control': 'no-store',
      },
    });
  });

  streams.post('/import/stream', async (c) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > MAX_IMPORT_BYTES) {
      return problem(c, 413, 'payload_too_large', `Uploads are limited to ${MAX_IMPORT_BYTES} bytes.`);
    }
    const hash = createHash('sha256');
    let size = 0;
    const body = c.req.raw.body;
    if (body) {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > MAX_IMPORT_BYTES) {
            await reader.cancel().catch(() => {});
            return problem(c, 413, 'payload_too_large', `Uploads are limited to ${MAX_IMPORT_BYTES} bytes.`);
          }
          hash.update(value);
        }
      } catch {
        return problem(c, 400, 'invalid_request', 'The request body could not be read.');
      }
    }
    return c.json({ bytes: size, sha256: hash.digest('hex') });
  });

  streams.get('/slow', async (c) => {
    const ms = intQuery(c.req.query('ms'), 'ms', 0, MAX_SLOW_MS);
    if (!ms.ok) return problem(c, ms.status, ms.code, ms.message);
    await sleep(ms.value, c.req.raw.signal);
    return c.json({ ok: true });
  });

  return streams;
}
