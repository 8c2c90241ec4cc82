/**
 * Issue 4 over real HTTP: the example app's /api/backend route in front of the example backend
 * (docs/security.md 18-23). Path safety with zero backend calls, header hygiene both ways, 401/405/413/
 * 502/504 as JSON, and streaming (200 MB downloads, 50 MB streamed uploads through the /api/files
 * mount) with the app's memory watched.
 *
 * Between the app and the backend sits a small pass-through server ("the tee"): it forwards every
 * request to the real backend unchanged and adds what a hostile or sloppy upstream would send back
 * (Set-Cookie, hop-by-hop and server identity headers, an off-site redirect), so the response side of
 * the header hygiene is proven against real sockets too. The backend's own /__stats counts what
 * actually reached it.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { getJson, jsonPost, setCookies } from '../support/http';
import { openSessionCookie } from '../support/session-cookie';

const COOKIE = 'bffkit';
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const MB = 1024 * 1024;
/**
 * The app's upstream timeout (env BACKEND_TIMEOUT, seconds) for this file, instead of the 30 s default,
 * so the 504 test waits seconds, not half a minute. bffkit's timeout is an idle timeout (reset by every
 * body chunk), so the large transfers below are not affected by it.
 */
const UPSTREAM_TIMEOUT_S = 2;

let backend: RunningBackend;
let tee: Tee;
let app: AppProcess;
let cookie: string;
let accessToken: string;

const url = (path: string) => app.url + path;

// ---------------------------------------------------------------------------------------------
// Helpers

type RawResponse = { status: number; headers: Record<string, string[]>; body: string; closed: boolean };

/**
 * Sends one request byte for byte over a socket: no client-side URL normalisation, any method,
 * any header. Status 0 when the server closed the connection without answering.
 */
function raw(method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(app.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw ${method} ${target}: no answer within 15 s`));
    }, 15_000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseRaw(Buffer.concat(chunks)));
    });
    const lines = [`${method} ${target} HTTP/1.1`, `host: localhost:${app.port}`, 'connection: close'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (body) lines.push(`content-length: ${Buffer.byteLength(body)}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

function parseRaw(buf: Buffer): RawResponse {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: '', closed: true };
  const [statusLine = '', ...headerLines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string[]> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    const k = line.slice(0, i).trim().toLowerCase();
    (headers[k] ??= []).push(line.slice(i + 1).trim());
  }
  let body = buf.subarray(end + 4);
  if (headers['transfer-encoding']?.[0] === 'chunked') body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8'), closed: false };
}

function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd === -1) break;
    const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
    if (!size) break;
    out.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/**
 * POSTs `total` bytes over a raw socket (chunked framing when `chunked`) and resolves with the
 * response as soon as it is complete, even when the server answers early (413) while the body is
 * still being sent: fetch and node:http report that case as a connection error instead.
 */
function upload(path: string, total: number, opts: { chunked?: boolean } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(app.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (result: { status: number; body: string } | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => finish(new Error(`upload ${path}: no complete answer within 30 s`)), 30_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const complete = completeResponse(received);
      if (complete) finish(complete);
    });
    socket.on('error', (err) => finish(completeResponse(received) ?? err));
    socket.on('close', () => finish(completeResponse(received) ?? new Error(`upload ${path}: closed without an answer`)));
    const head = [
      `POST ${path} HTTP/1.1`,
      `host: localhost:${app.port}`,
      `cookie: ${cookie}`,
      'x-csrf: 1',
      `origin: ${app.url}`,
      'content-type: application/octet-stream',
      opts.chunked ? 'transfer-encoding: chunked' : `content-length: ${total}`,
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !done) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        const data = n === chunk.length ? chunk : chunk.subarray(0, n);
        const framed = opts.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
        const ok = socket.write(framed);
        if (!ok) return void socket.once('drain', pump);
      }
      if (sent >= total && opts.chunked && !done) socket.write('0\r\n\r\n');
    };
    pump();
  });
}

/** The parsed response once `buf` holds all of it (chunked or Content-Length framed), else null. */
function completeResponse(buf: Buffer): { status: number; body: string } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const parsed = parseRaw(buf);
  const body = buf.subarray(end + 4);
  if (parsed.headers['transfer-encoding']?.[0] === 'chunked') {
    return body.includes('\r\n0\r\n\r\n') || body.subarray(0, 5).toString() === '0\r\n\r\n' ? parsed : null;
  }
  const length = Number(parsed.headers['content-length']?.[0] ?? 0);
  return body.length >= length ? parsed : null;
}

async function backendRequests(): Promise<number> {
  return (await backend.stats()).requests;
}

/** Runs `fn` and answers how many requests reached the backend meanwhile. */
async function countBackendCalls(fn: () => Promise<unknown>): Promise<number> {
  const before = await backendRequests();
  await fn();
  return (await backendRequests()) - before;
}

function expectJsonCode(res: { status: number; headers: Record<string, string[]> | Headers }, body: string, status: number, code: string) {
  expect(res.status, body).toBe(status);
  const type = res.headers instanceof Headers ? res.headers.get('content-type') : res.headers['content-type']?.[0];
  expect(type).toMatch(/^application\/json/);
  expect(JSON.parse(body)).toMatchObject({ code });
}

// ---------------------------------------------------------------------------------------------
// The tee: app → tee → real backend. Adds hostile response headers; can reset connections.

type Tee = { url: string; mode: 'pass' | 'reset'; close(): Promise<void> };

async function startTee(target: string): Promise<Tee> {
  const upstream = new URL(target);
  const state: Tee = { url: '', mode: 'pass', close: async () => undefined };
  const server: Server = createServer((req, res) => {
    if (state.mode === 'reset') return void req.socket.destroy();
    if (req.url?.startsWith('/notes/__redirect')) {
      // Only reached if bffkit forwards it: an off-site redirect that must not be followed or relayed.
      res.writeHead(302, { location: 'http://evil.example/steal', 'set-cookie': 'upstream=secret; Path=/' });
      return void res.end('moved');
    }
    const up = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(ur.headers)) if (v !== undefined) headers[k] = v;
        headers['set-cookie'] = ['upstream=secret; Path=/', `${COOKIE}=planted; Path=/; HttpOnly`];
        headers['server'] = 'internal-api/1.2.3';
        headers['x-powered-by'] = 'Hono';
        headers['x-hop-custom'] = 'hop-secret';
        headers['connection'] = 'keep-alive, x-hop-custom';
        headers['access-control-allow-origin'] = '*';
        headers['www-authenticate'] = 'Basic realm="internal"';
        headers['x-total-count'] = '42';
        res.writeHead(ur.statusCode ?? 502, headers);
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

/** The pid listening on the app's port (startApp does not expose it). */
function appPid(port: number): number {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const match = /pid=(\d+)/.exec(out);
  if (!match) throw new Error(`no pid for port ${port}: ${out}`);
  return Number(match[1]);
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

type RssWatch = { baseline: number; growth: number; samples: number };

/**
 * Samples the app's RSS every 20 ms until `stop()`, which answers the baseline, the peak growth over
 * it, and how many samples were taken (a measurement with hardly any samples proves nothing).
 */
function watchRss(pid: number): { stop(): RssWatch } {
  const baseline = rssBytes(pid);
  let peak = baseline;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
    samples++;
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssBytes(pid));
      return { baseline, growth: peak - baseline, samples };
    },
  };
}

/** `total` random bytes, produced lazily in 256 KiB chunks and hashed as they are produced. */
function randomSource(total: number): { chunks: AsyncGenerator<Uint8Array>; sha256(): string } {
  const hash = createHash('sha256');
  async function* produce(): AsyncGenerator<Uint8Array> {
    for (let sent = 0; sent < total; ) {
      const chunk = randomBytes(Math.min(256 * 1024, total - sent));
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
  }
  return { chunks: produce(), sha256: () => hash.digest('hex') };
}

/** A pull-based ReadableStream over an async generator: one chunk is produced per read. */
function readableOf(chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    },
    { highWaterMark: 1 },
  );
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  backend = await startBackend();
  tee = await startTee(backend.url);
  app = await startApp({ backendUrl: tee.url, env: { BACKEND_TIMEOUT: String(UPSTREAM_TIMEOUT_S) } });
  const res = await jsonPost(url('/api/auth/login'), DEMO);
  expect(res.status).toBe(200);
  const value = setCookies(res).find((c) => c.name === COOKIE)!.value;
  cookie = `${COOKIE}=${value}`;
  accessToken = openSessionCookie(value).a;
});

afterAll(async () => {
  await app?.stop();
  await tee?.close();
  await backend?.stop();
});

describe('path safety: traversal and authority payloads never reach the backend', () => {
  /**
   * What answered, recorded against Next.js 16.4 under `next start`:
   * - 'bffkit-400': the forwarding handler's path grammar refused it (400 invalid_request JSON).
   * - 'bffkit-404': a well-formed path under no allowed prefix (404 path_not_allowed JSON). Also what
   *   happens when Next's WHATWG URL parsing already resolved `%2e%2e` / `.%2e` as a dot segment (the
   *   URL standard treats them as '..') and the result still lies inside the mount.
   * - 'next-404': Next resolved the dot segments and the result left the mount: Next's own 404 page,
   *   the forwarding handler never ran.
   * - 'next-308': Next redirected to a normalised same-origin path (it folds '\' into '/', merges '//',
   *   drops a trailing '/') before routing; the redirect itself contacts nothing.
   * Whatever the outcome, the backend sees zero requests.
   */
  type Outcome = 'bffkit-400' | 'bffkit-404' | 'next-404' | 'next-308';
  const M = '/api/backend';
  const payloads: [string, Outcome, string][] = [
    [`${M}/notes/..%2f..%2f__stats`, 'bffkit-400', 'encoded slash in a dot segment'],
    [`${M}/notes/..%2F__stats`, 'bffkit-400', 'upper-case encoded slash'],
    [`${M}/notes/%2e%2e/%2e%2e/__stats`, 'next-404', 'encoded dots: WHATWG URL resolves them, result is outside the mount'],
    [`${M}/notes/%2E%2E/__stats`, 'bffkit-404', 'upper-case encoded dots: resolved by Next to /api/backend/__stats'],
    [`${M}/notes/.%2e/__stats`, 'bffkit-404', 'half-encoded dots: resolved by Next to /api/backend/__stats'],
    [`${M}/notes/%2e./__stats`, 'bffkit-404', 'half-encoded dots, other half: resolved by Next'],
    [`${M}/notes/../../__stats`, 'next-404', 'plain dot segments: resolved by Next, outside the mount'],
    [`${M}/notes/%2e%2e%2f%2e%2e%2f__stats`, 'bffkit-400', 'fully encoded ../../'],
    [`${M}/notes/..%5c..%5c__stats`, 'bffkit-400', 'encoded backslash'],
    [`${M}/notes/%5c..%5c__stats`, 'bffkit-400', 'encoded backslash around dots'],
    [`${M}/notes/%252e%252e/__stats`, 'bffkit-400', 'double-encoded dots'],
    [`${M}/notes/%252e%252e%252f__stats`, 'bffkit-400', 'double-encoded ../'],
    [`${M}/notes/..%252f__stats`, 'bffkit-400', 'double-encoded slash'],
    [`${M}/notes/%25252e%25252e/__stats`, 'bffkit-400', 'triple-encoded dots'],
    [`${M}/notes/..;/__stats`, 'bffkit-400', 'Tomcat ..; trick'],
    [`${M}/notes/%2e%2e;x=1/__stats`, 'bffkit-400', 'encoded dots with params'],
    [`${M}/notes/...`, 'bffkit-400', 'three dots'],
    [`${M}/notes/%2e`, 'next-308', 'a single encoded dot: Next resolves it and drops the trailing slash'],
    [`${M}/notes/%ef%bc%8e%ef%bc%8e/__stats`, 'bffkit-400', 'fullwidth dots (NFKC → ..)'],
    [`${M}/notes/a%ef%bc%8fb`, 'bffkit-400', 'fullwidth slash'],
    [`${M}/notes/..%00/__stats`, 'bffkit-400', 'NUL after dots'],
    [`${M}/notes/%00`, 'bffkit-400', 'NUL'],
    [`${M}/notes/1%00.json`, 'bffkit-400', 'NUL inside a segment'],
    [`${M}/notes/%0d%0aHost:%20evil`, 'bffkit-400', 'encoded CRLF (header injection)'],
    [`${M}/notes/%09..`, 'bffkit-400', 'encoded tab before dots'],
    [`${M}/notes\\..\\__stats`, 'next-308', 'raw backslashes: Next folds them into / and redirects'],
    [`${M}/notes/..\\__stats`, 'next-308', 'raw backslash after dots'],
    [`${M}/notes%2f..%2f__stats`, 'bffkit-400', 'encoded slash glued to the prefix'],
    [`${M}/notes//1`, 'next-308', 'empty segment: Next merges the slashes and redirects'],
    [`${M}//evil.com/notes`, 'next-308', '//host right after the mount: Next merges the slashes'],
    [`${M}///evil.com/notes`, 'next-308', '///host'],
    [`${M}/http://evil.com/notes`, 'next-308', 'an absolute URL after the mount: Next merges the slashes'],
    [`${M}/%2f%2fevil.com/notes`, 'bffkit-400', 'encoded //host'],
    [`${M}/http:%2f%2fevil.com/notes`, 'bffkit-400', 'an encoded absolute URL'],
    [`${M}/%5c%5cevil.com/notes`, 'bffkit-400', 'encoded \\\\host'],
    [`${M}/@evil.com/notes`, 'bffkit-400', '@host: refused in any form'],
    [`${M}/notes/@evil.com`, 'bffkit-400', '@host inside an allowed prefix'],
    [`${M}/notes/%40evil.com`, 'bffkit-400', 'encoded @host'],
    [`${M}/notes@evil.com`, 'bffkit-400', 'prefix look-alike with @host'],
    [`${M}/notesX`, 'bffkit-404', 'prefix look-alike'],
    [`${M}/__stats`, 'bffkit-404', 'a backend path that is not allowed'],
    [`${M}/auth/login`, 'bffkit-404', 'the backend login endpoint is not forwarded'],
    [`${M}/auth/refresh`, 'bffkit-404', 'the backend refresh endpoint is not forwarded'],
    [`${M}/.well-known/jwks.json`, 'bffkit-404', 'not in the allow-list'],
  ];

  it.each(payloads)('%s → %s (%s), zero backend requests', async (target, outcome, _why) => {
    let res!: RawResponse;
    const calls = await countBackendCalls(async () => {
      res = await raw('GET', target, { cookie, accept: 'application/json' });
    });
    expect(calls).toBe(0);
    const detail = `${res.status} ${res.headers.location?.[0] ?? ''} ${res.body.slice(0, 200)}`;
    switch (outcome) {
      case 'bffkit-400':
      case 'bffkit-404':
        expect(res.status, detail).toBe(outcome === 'bffkit-400' ? 400 : 404);
        expect(res.headers['content-type']?.[0]).toMatch(/^application\/json/);
        expect(JSON.parse(res.body).code).toBe(outcome === 'bffkit-400' ? 'invalid_request' : 'path_not_allowed');
        break;
      case 'next-404':
        expect(res.status, detail).toBe(404);
        break;
      case 'next-308': {
        expect(res.status, detail).toBe(308);
        const location = res.headers.location?.[0] ?? '';
        // Same origin, a plain path (never '//host' or a scheme).
        expect(location).toMatch(/^\/[^/\\]/);
        break;
      }
    }
  });

  it('following Next\'s redirect for an absolute URL after the mount still reaches nothing', async () => {
    const first = await raw('GET', '/api/backend/http://evil.com/notes', { cookie });
    expect(first.status).toBe(308);
    let second!: RawResponse;
    const calls = await countBackendCalls(async () => {
      second = await raw('GET', first.headers.location![0]!, { cookie });
    });
    expect(calls).toBe(0);
    expect(second.status).toBe(404);
    expect(JSON.parse(second.body).code).toBe('path_not_allowed');
  });

  /**
   * Next.js (16.4) decodes catch-all route params itself, before any route handler runs; on malformed
   * percent-encoding it renders the Pages Router error page `/_error` with status 400. An App-Router-only
   * build has no `/_error` and answered a bare 500 'Internal Server Error'; the example app's
   * pages/_error.tsx turns it into bffkit's 400 invalid_request JSON under /api. The handler never runs.
   */
  it('malformed percent-encoding in the path → 400 invalid_request JSON (never 500), no backend call, nothing logged', async () => {
    const logBefore = app.output().length;
    const targets: [string, string][] = [
      ['GET', `${M}/%zz`],
      ['GET', `${M}/notes/%zz`],
      ['GET', `${M}/notes/%u002e%u002e`],
      ['GET', `${M}/notes/%c0%ae%c0%ae/__stats`],
      ['GET', `${M}/notes/%c0%af__stats`],
      ['GET', `${M}/notes/%ff`],
      ['DELETE', `${M}/notes/%zz`],
      ['GET', '/api/auth/%zz'],
      ['GET', '/api/auth/session%zz'],
      ['POST', '/api/auth/login%zz'],
      ['GET', '/api/files/notes/%zz'],
    ];
    for (const [method, target] of targets) {
      let res!: RawResponse;
      const calls = await countBackendCalls(async () => {
        res = await raw(method, target, { cookie, 'x-csrf': '1', origin: app.url });
      });
      expect(calls, target).toBe(0);
      expect(res.status, `${method} ${target}: ${res.body.slice(0, 200)}`).toBe(400);
      expect(res.headers['content-type']?.[0]).toMatch(/^application\/json/);
      expect(res.headers['cache-control']?.[0]).toBe('private, no-store');
      expect(res.headers['x-content-type-options']?.[0]).toBe('nosniff');
      expect(JSON.parse(res.body)).toEqual({ code: 'invalid_request', message: expect.any(String) });
    }
    // Outside a dynamic route nothing gets decoded: Next's ordinary 404 page.
    for (const target of ['/%c0%ae', '/%zz']) {
      const res = await raw('GET', target);
      expect(res.status, target).toBe(404);
    }
    const log = app.output().slice(logBefore);
    expect(log).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
    expect(log).not.toMatch(/error/i);
  });

  it('the same payloads with unsafe methods are refused without a backend call too', async () => {
    const calls = await countBackendCalls(async () => {
      for (const [target] of payloads.slice(0, 10)) {
        const res = await raw('DELETE', target, { cookie, 'x-csrf': '1', origin: app.url });
        expect([400, 404], target).toContain(res.status);
      }
    });
    expect(calls).toBe(0);
  });

  it('an absolute-form request target cannot pick the upstream host', async () => {
    let res!: RawResponse;
    const calls = await countBackendCalls(async () => {
      res = await raw('GET', 'http://evil.example/api/backend/notes', { cookie, accept: 'application/json' });
    });
    // Whatever Next does with the absolute form, the call goes to the configured backend only.
    if (res.status === 200) expect(calls).toBe(1);
    else expect(calls).toBe(0);
    const last = (await backend.stats()).last_request;
    if (calls === 1) expect(last?.headers['x-forwarded-host']).toBe(`localhost:${app.port}`);
  });

  it('a Host header naming another host changes nothing (the app origin comes from configuration)', async () => {
    const res = await fetch(url('/api/backend/notes'), { headers: { cookie, 'x-forwarded-host': 'evil.example' } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const last = (await backend.stats()).last_request!;
    expect(last.headers['x-forwarded-host']).toBe(`localhost:${app.port}`);
  });

  it('control: an allowed path reaches the backend exactly once', async () => {
    const calls = await countBackendCalls(async () => {
      const res = await getJson(url('/api/backend/notes'), { cookie });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    });
    expect(calls).toBe(1);
  });

  it('an encoded character that is not traversal is forwarded canonically, inside /notes', async () => {
    const res = await raw('GET', '/api/backend/notes/caf%C3%A9', { cookie });
    expect(res.status).toBe(400); // the backend's own "id must be a positive integer"
    const last = (await backend.stats()).last_request!;
    expect(last.path).toBe('/notes/caf%C3%A9');
  });
});

describe('request header hygiene: what reaches the backend', () => {
  it('drops Cookie, client Authorization, X-Forwarded-*, Forwarded, hop-by-hop, x-middleware-* and method overrides; sets its own', async () => {
    const res = await raw('POST', '/api/backend/notes', {
      cookie: `${cookie}; other=1; theme=dark`,
      authorization: 'Bearer client-chosen-token',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'gopher',
      'x-forwarded-port': '1',
      forwarded: 'for=6.6.6.6;host=evil.example;proto=https',
      'x-real-ip': '6.6.6.6',
      'true-client-ip': '6.6.6.6',
      connection: 'close, x-hop-nominated',
      'x-hop-nominated': 'secret',
      'keep-alive': 'timeout=99',
      te: 'trailers',
      upgrade: 'websocket',
      'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware',
      'x-http-method-override': 'DELETE',
      'x-original-url': '/__stats',
      'x-custom-app-header': 'not-allow-listed',
      'x-csrf': '1',
      origin: app.url,
      'content-type': 'application/json',
      accept: 'application/json',
      'accept-language': 'de-CH',
    }, JSON.stringify({ title: 'hygiene', body: 'b' }));
    expect(res.status, res.body).toBe(201);

    const last = (await backend.stats()).last_request!;
    expect(last.method).toBe('POST');
    expect(last.path).toBe('/notes');
    const h = last.headers;
    expect(h.authorization).toBe(`Bearer ${accessToken}`);
    expect(h.cookie).toBeUndefined();
    expect(h['proxy-authorization']).toBeUndefined();
    expect(h['x-forwarded-for']).not.toBe('6.6.6.6'); // bffkit's own (or none: no trusted proxy, unknown address)
    expect(h['x-forwarded-host']).toBe(`localhost:${app.port}`);
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-port']).toBeUndefined();
    for (const name of [
      'forwarded', 'x-real-ip', 'true-client-ip', 'x-hop-nominated', 'keep-alive', 'te', 'upgrade',
      'x-middleware-subrequest', 'x-http-method-override', 'x-original-url', 'x-custom-app-header', 'x-csrf',
      'origin', 'sec-fetch-site',
    ]) {
      expect(h[name], name).toBeUndefined();
    }
    // Allow-listed headers pass.
    expect(h['content-type']).toBe('application/json');
    expect(h['accept-language']).toBe('de-CH');
    // Nothing anywhere carries the browser's cookie value.
    expect(JSON.stringify(h)).not.toContain(cookie.slice(COOKIE.length + 1, COOKIE.length + 40));
  });

  it('a GET with a client Authorization header still goes up with bffkit\'s token only', async () => {
    const res = await getJson(url('/api/backend/auth/me'), { cookie, headers: { authorization: 'Bearer forged' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: DEMO.email });
    expect((await backend.stats()).last_request!.headers.authorization).toBe(`Bearer ${accessToken}`);
  });
});

describe('response header hygiene: what reaches the browser', () => {
  it('strips upstream Set-Cookie, hop-by-hop, server identity, CORS and auth challenges; keeps ordinary headers', async () => {
    const res = await getJson(url('/api/backend/notes'), { cookie });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('server')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-hop-custom')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('x-total-count')).toBe('42');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('does not follow an upstream redirect and does not relay an off-site Location', async () => {
    const calls = await countBackendCalls(async () => {
      const res = await getJson(url('/api/backend/notes/__redirect'), { cookie });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.getSetCookie()).toEqual([]);
      await res.arrayBuffer();
    });
    // The tee answered the redirect itself; nothing went to evil.example (it does not resolve) nor back to the backend.
    expect(calls).toBe(0);
  });
});

describe('methods, CSRF, sessions and limits', () => {
  it.each(['PUT', 'OPTIONS'])('%s (exported by the route, not allowed by the rule) → 405 JSON with Allow, no backend call', async (method) => {
    let res!: RawResponse;
    const calls = await countBackendCalls(async () => {
      res = await raw(method, '/api/backend/notes', { cookie, 'x-csrf': '1', origin: app.url });
    });
    expect(calls).toBe(0);
    expect(res.status).toBe(405);
    expect(JSON.parse(res.body).code).toBe('method_not_allowed');
    expect(res.headers.allow?.[0]).toBe('GET, POST, PATCH, DELETE');
  });

  /**
   * Methods the route does not export never reach bffkit; what answers is Next.js (16.4) or Node:
   * PROPFIND/MKCOL → 400 with an empty body (Next refuses non-standard methods on route handlers),
   * FOO → 400 from Node's HTTP parser, CONNECT → the socket is closed. TRACE: undici's `new Request()`
   * throws "'TRACE' HTTP method is unsupported" inside Next, which logs it and renders `/_error`;
   * the example's pages/_error.tsx answers 405 (a bare 500 without it). All of them reach nothing.
   */
  it.each([
    ['TRACE', [405]],
    ['CONNECT', [0, 400, 405]],
    ['PROPFIND', [400, 405]],
    ['MKCOL', [400, 405]],
    ['FOO', [400, 405]],
  ] as const)('%s → refused by Next/Node before bffkit (recorded: %j), no backend call', async (method, statuses) => {
    let res!: RawResponse;
    const calls = await countBackendCalls(async () => {
      res = await raw(method, '/api/backend/notes', { cookie, 'x-csrf': '1', origin: app.url });
    });
    expect(calls).toBe(0);
    expect(statuses as readonly number[]).toContain(res.status);
    expect(res.body).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
  });

  it('TRACE anywhere → 405 (method_not_allowed JSON under /api, a short page elsewhere), never 500, no backend call', async () => {
    for (const path of ['/api/backend/notes', '/api/backend/auth/me', '/api/auth/session', '/api/files/notes/export/stream?bytes=1', '/', '/login', '/notes']) {
      let res!: RawResponse;
      const calls = await countBackendCalls(async () => {
        res = await raw('TRACE', path, { cookie });
      });
      expect(calls, path).toBe(0);
      expect(res.status, `${path}: ${res.body.slice(0, 200)}`).toBe(405);
      expect(res.body).not.toMatch(/\bat .+:\d+:\d+/);
      expect(res.body).not.toContain(cookie.slice(COOKIE.length + 1, COOKIE.length + 40));
      if (path.startsWith('/api/')) {
        expect(res.headers['content-type']?.[0]).toMatch(/^application\/json/);
        expect(JSON.parse(res.body)).toEqual({ code: 'method_not_allowed', message: expect.any(String) });
      } else {
        expect(res.headers['content-type']?.[0]).toMatch(/^text\/html/);
      }
    }
  });

  it('a method the rule does not allow answers 405 JSON with Allow, no backend call', async () => {
    let res!: Response;
    const calls = await countBackendCalls(async () => {
      res = await jsonPost(url('/api/backend/auth/me'), {}, { cookie, method: 'DELETE' });
    });
    expect(calls).toBe(0);
    expectJsonCode(res, await res.text(), 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('an unauthenticated call answers 401 JSON (never a redirect), no backend call', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      let res!: Response;
      const calls = await countBackendCalls(async () => {
        res = method === 'GET' ? await getJson(url('/api/backend/notes')) : await jsonPost(url('/api/backend/notes'), { title: 'x' }, { method });
      });
      expect(calls, method).toBe(0);
      expectJsonCode(res, await res.text(), 401, 'unauthenticated');
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('a spoofed x-middleware-subrequest (any variant) does not skip the session check', async () => {
    for (const value of ['middleware', 'proxy', 'src/middleware', 'middleware:middleware:middleware:middleware:middleware', 'proxy:proxy:proxy:proxy:proxy', 'src/proxy:src/proxy:src/proxy:src/proxy:src/proxy']) {
      const calls = await countBackendCalls(async () => {
        const res = await getJson(url('/api/backend/notes'), { headers: { 'x-middleware-subrequest': value } });
        expectJsonCode(res, await res.text(), 401, 'unauthenticated');
      });
      expect(calls, value).toBe(0);
    }
  });

  it('unsafe methods need the anti-forgery header and a same-origin request; refused ones reach nothing', async () => {
    const body = { title: 'csrf', body: '' };
    const cases: [Record<string, string | null>, string][] = [
      [{ 'x-csrf': null }, 'csrf_failed'],
      [{ 'x-csrf': '0' }, 'csrf_failed'],
      [{ origin: 'http://evil.example' }, 'forbidden_origin'],
      [{ origin: `${app.url}.evil.example` }, 'forbidden_origin'],
      [{ origin: 'null' }, 'forbidden_origin'],
      [{ 'sec-fetch-site': 'cross-site' }, 'forbidden_origin'],
      [{ 'sec-fetch-site': 'same-site' }, 'forbidden_origin'],
    ];
    for (const [headers, code] of cases) {
      const calls = await countBackendCalls(async () => {
        const res = await jsonPost(url('/api/backend/notes'), body, { cookie, headers });
        expectJsonCode(res, await res.text(), 403, code);
      });
      expect(calls, JSON.stringify(headers)).toBe(0);
    }
  });

  it('413 payload_too_large for a declared body over the limit (11 MB), no backend call', async () => {
    let res!: Awaited<ReturnType<typeof upload>>;
    const calls = await countBackendCalls(async () => {
      res = await upload('/api/backend/notes', 11 * MB);
    });
    expect(calls).toBe(0);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'payload_too_large' });
  });

  it('413 payload_too_large for a chunked body (no Content-Length) that grows past the limit', async () => {
    const before = await backend.stats();
    const res = await upload('/api/backend/notes/import/stream', 12 * MB, { chunked: true });
    expect(res.status, res.body).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'payload_too_large' });
    // The backend saw at most the start of an aborted upload, never a complete (truncated) one.
    const after = await backend.stats();
    expect(after.requests - before.requests).toBeLessThanOrEqual(1);
  });

  it('a 50 MB upload is refused with 413 by the example\'s default 10 MB limit, before the backend sees it', async () => {
    let res!: Awaited<ReturnType<typeof upload>>;
    const calls = await countBackendCalls(async () => {
      res = await upload('/api/backend/notes/import/stream', 50 * MB);
    });
    expect(calls).toBe(0);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'payload_too_large' });
  });

  it('an upload under the limit (9 MB) streams through intact', async () => {
    const data = new Uint8Array(9 * MB);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(data).digest('hex');
    const res = await fetch(url('/api/backend/notes/import/stream'), {
      method: 'POST',
      headers: { cookie, 'x-csrf': '1', origin: app.url, 'content-type': 'application/octet-stream' },
      body: data,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: data.length, sha256 });
  });
});

describe('streaming a large download', () => {
  // /api/backend is the ordinary API mount; /api/files is the example's mount for large transfers.
  it.each(['/api/backend', '/api/files'])('200 MB pass through %s intact while the app\'s RSS grows far less than the body', async (mount) => {
    const bytes = 200 * MB;
    const pid = appPid(app.port);
    // Warm the route so first-use compilation and caches are not counted.
    const warm = await getJson(url(`${mount}/notes/export/stream?bytes=1048576`), { cookie });
    await warm.arrayBuffer();
    const rss = watchRss(pid);
    let memory!: RssWatch;
    let received = 0;
    let patternOk = true;
    try {
      const res = await getJson(url(`${mount}/notes/export/stream?bytes=${bytes}`), { cookie });
      expect(res.status).toBe(200);
      // Next re-frames route handler responses (chunked); when a length is sent it must be the right one.
      const length = res.headers.get('content-length');
      if (length !== null) expect(length).toBe(String(bytes));
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // Spot-check the deterministic pattern (byte k is k % 251) at the start of each chunk.
        if (value.length > 0 && value[0] !== received % 251) patternOk = false;
        received += value.length;
      }
    } finally {
      memory = rss.stop();
    }
    expect(received).toBe(bytes);
    expect(patternOk).toBe(true);
    const { baseline, growth, samples } = memory;
    console.info(`[forwarding] 200 MB download via ${mount}: app RSS baseline ${(baseline / MB).toFixed(1)} MB, peak growth ${(growth / MB).toFixed(1)} MB (${samples} samples)`);
    expect(samples).toBeGreaterThan(3);
    expect(growth).toBeLessThan(bytes / 4);
  });
});

describe('streaming a large upload (the /api/files mount, 256 MiB limit)', () => {
  const IMPORT = '/api/files/notes/import/stream';
  const headers = () => ({ cookie, 'x-csrf': '1', origin: app.url, 'content-type': 'application/octet-stream' });

  /**
   * The client streams the body (fetch with `duplex: 'half'`): it never exists whole in the test
   * either. The backend answers the byte count and sha256 of what it received. The app's RSS is
   * sampled every 20 ms: a handler that buffered the body would grow by at least its 50 MB.
   */
  it.each([
    ['an async generator, chunked (no Content-Length)', false],
    ['a ReadableStream with Content-Length', true],
  ] as const)('50 MB streamed from %s reach the backend intact; the app\'s RSS grows far less than the body', async (how, withLength) => {
    const bytes = 50 * MB;
    const pid = appPid(app.port);
    // Warm the route so first-use compilation and caches are not counted.
    const warm = await fetch(url(IMPORT), { method: 'POST', headers: headers(), body: randomBytes(64 * 1024) });
    expect(warm.status).toBe(200);
    await warm.arrayBuffer();

    const source = randomSource(bytes);
    const init = {
      method: 'POST',
      headers: withLength ? { ...headers(), 'content-length': String(bytes) } : headers(),
      body: withLength ? readableOf(source.chunks) : source.chunks,
      duplex: 'half',
    } as RequestInit;
    let res!: Response;
    let answer: unknown;
    let memory!: RssWatch;
    const calls = await countBackendCalls(async () => {
      const rss = watchRss(pid);
      try {
        res = await fetch(url(IMPORT), init);
        answer = await res.json();
      } finally {
        memory = rss.stop();
      }
    });
    expect(res.status, JSON.stringify(answer)).toBe(200);
    expect(answer).toEqual({ bytes, sha256: source.sha256() });
    expect(calls).toBe(1);
    const { baseline, growth, samples } = memory;
    console.info(`[forwarding] 50 MB upload (${how}): app RSS baseline ${(baseline / MB).toFixed(1)} MB, peak growth ${(growth / MB).toFixed(1)} MB (${samples} samples)`);
    expect(samples).toBeGreaterThan(3);
    expect(growth).toBeLessThan(40 * MB);
  });
});

describe('upstream failures keep the session', () => {
  it('502 upstream_unavailable when the upstream resets the connection; the cookie is untouched', async () => {
    tee.mode = 'reset';
    try {
      const res = await getJson(url('/api/backend/notes'), { cookie });
      expectJsonCode(res, await res.text(), 502, 'upstream_unavailable');
      expect(res.headers.getSetCookie().filter((c) => c.startsWith(`${COOKIE}=`))).toEqual([]);
    } finally {
      tee.mode = 'pass';
    }
    const again = await getJson(url('/api/backend/notes'), { cookie });
    expect(again.status).toBe(200);
    await again.arrayBuffer();
  });

  it(`504 upstream_timeout when the backend stays silent past the timeout (BACKEND_TIMEOUT=${UPSTREAM_TIMEOUT_S} s); the session is kept`, async () => {
    const started = Date.now();
    const res = await getJson(url('/api/backend/notes/slow?ms=5000'), { cookie });
    const elapsed = Date.now() - started;
    const body = await res.text();
    expectJsonCode(res, body, 504, 'upstream_timeout');
    expect(body).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
    expect(elapsed).toBeGreaterThan(UPSTREAM_TIMEOUT_S * 1000 - 100);
    expect(elapsed).toBeLessThan(UPSTREAM_TIMEOUT_S * 1000 + 2_500); // well before the backend's 5 s answer
    expect(res.headers.getSetCookie().filter((c) => c.startsWith(`${COOKIE}=`))).toEqual([]);
    // Not a rejection of the session (docs/security.md 12): the same cookie still works.
    const session = await getJson(url('/api/auth/session'), { cookie });
    expect(await session.json()).toMatchObject({ status: 'authenticated' });
    const again = await getJson(url('/api/backend/notes'), { cookie });
    expect(again.status).toBe(200);
    await again.arrayBuffer();
  });

  it('502 upstream_unavailable when nothing listens any more', async () => {
    await tee.close();
    const res = await getJson(url('/api/backend/notes'), { cookie });
    expectJsonCode(res, await res.text(), 502, 'upstream_unavailable');
    expect(res.headers.getSetCookie().filter((c) => c.startsWith(`${COOKIE}=`))).toEqual([]);
    const session = await getJson(url('/api/auth/session'), { cookie });
    expect(await session.json()).toMatchObject({ status: 'authenticated' });
  });
});
