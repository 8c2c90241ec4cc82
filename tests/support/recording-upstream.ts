/**
 * A real HTTP server on 127.0.0.1 that records every request it receives and answers with a
 * configurable behaviour. Used to test bffkit's forwarding against a real socket, not a mock.
 *
 * Request bodies are consumed as a stream and only counted (the first {@link KEEP_BODY_BYTES}
 * bytes are kept for assertions), so multi-hundred-megabyte uploads cost no memory.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Bytes of each request body kept in {@link RecordedRequest.body}. */
export const KEEP_BODY_BYTES = 64 * 1024;

/** One request as the upstream saw it. */
export interface RecordedRequest {
  method: string;
  /** The raw request target as received (path + query, still percent-encoded). */
  path: string;
  /** Lower-cased header names (Node's IncomingHttpHeaders). */
  headers: IncomingMessage['headers'];
  /** Raw header name/value pairs in arrival order (to spot duplicates). */
  rawHeaders: string[];
  /** Total body bytes received. */
  bodyBytes: number;
  /** The first {@link KEEP_BODY_BYTES} bytes of the body. */
  body: Buffer;
}

/** Answers one request; runs after the request body has been fully received. */
export type UpstreamHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
) => void | Promise<void>;

/** A running recording upstream. */
export interface RecordingUpstream {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Replaces the behaviour for subsequent requests. */
  setHandler(handler: UpstreamHandler): void;
  /** Number of TCP connections accepted so far (to observe keep-alive reuse). */
  connections(): number;
  /** Stops the server and destroys open (keep-alive) connections. */
  close(): Promise<void>;
}

/** Options of {@link startRecordingUpstream}. */
export interface StartOptions {
  /**
   * When false, the handler runs as soon as the request headers arrive and reads the body itself
   * (to test back-pressure on uploads); `bodyBytes` stays 0. @default true
   */
  consumeBody?: boolean;
}

/**
 * Starts a recording upstream on 127.0.0.1 with a random free port.
 *
 * @example
 * const upstream = await startRecordingUpstream(behaviours.echo());
 * await fetch(`${upstream.url}/notes`);
 * upstream.requests[0]?.path; // '/notes'
 * await upstream.close();
 */
export async function startRecordingUpstream(
  handler: UpstreamHandler = behaviours.echo(),
  options: StartOptions = {},
): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = [];
  let current = handler;
  let connectionCount = 0;
  const server = createServer((req, res) => {
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      bodyBytes: 0,
      body: Buffer.alloc(0),
    };
    requests.push(recorded);
    if (options.consumeBody === false) {
      Promise.resolve(current(req, res, recorded)).catch(() => res.destroy());
      return;
    }
    const kept: Buffer[] = [];
    let keptBytes = 0;
    req.on('data', (chunk: Buffer) => {
      recorded.bodyBytes += chunk.length;
      if (keptBytes < KEEP_BODY_BYTES) {
        const part = chunk.subarray(0, KEEP_BODY_BYTES - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
    });
    req.on('end', () => {
      recorded.body = Buffer.concat(kept);
      Promise.resolve(current(req, res, recorded)).catch(() => res.destroy());
    });
    req.on('error', () => res.destroy());
  });
  server.on('connection', () => connectionCount++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setHandler: (h) => void (current = h),
    connections: () => connectionCount,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Ready-made behaviours. */
export const behaviours = {
  /** 200 JSON `{ method, path, headers, bodyBytes, body }` (body as UTF-8 text). */
  echo(): UpstreamHandler {
    return (_req, res, r) => {
      const payload = JSON.stringify({
        method: r.method,
        path: r.path,
        headers: r.headers,
        bodyBytes: r.bodyBytes,
        body: r.body.toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    };
  },

  /** A fixed status, headers and body. */
  respond(status: number, headers: Record<string, string | string[]> = {}, body = ''): UpstreamHandler {
    return (_req, res) => {
      res.writeHead(status, headers);
      res.end(body);
    };
  },

  /** 200 with two Set-Cookie headers (and a Set-Cookie2) that must never reach the browser. */
  setCookie(): UpstreamHandler {
    return behaviours.respond(
      200,
      { 'set-cookie': ['upstream=secret; Path=/', 'other=1; HttpOnly'], 'set-cookie2': 'old=1', 'content-type': 'text/plain' },
      'ok',
    );
  },

  /** A redirect to `location` with the given status. */
  redirect(location: string, status = 302): UpstreamHandler {
    return behaviours.respond(status, { location, 'content-type': 'text/plain' }, 'moved');
  },

  /** Waits `ms` before sending the response headers, then echoes. */
  slow(ms: number): UpstreamHandler {
    const echo = behaviours.echo();
    return (req, res, r) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (!res.destroyed) void echo(req, res, r);
          resolve();
        }, ms);
        res.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
  },

  /**
   * Streams `bytes` bytes of `application/octet-stream` in 64 KB chunks, honouring back-pressure
   * (so the server never buffers the whole body). `contentLength: false` sends it chunked.
   */
  download(bytes: number, { contentLength = true } = {}): UpstreamHandler {
    const CHUNK = Buffer.alloc(64 * 1024, 0x61);
    return (_req, res) => {
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (contentLength) headers['content-length'] = String(bytes);
      res.writeHead(200, headers);
      let left = bytes;
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    };
  },

  /**
   * 401 `{code:"token_expired"}` unless the request carries `Authorization: Bearer <validToken>`,
   * in which case it echoes. Models "the access token expired, retry with a fresh one".
   */
  unauthorizedUnless(validToken: string): UpstreamHandler {
    const echo = behaviours.echo();
    return (req, res, r) => {
      if (req.headers.authorization === `Bearer ${validToken}`) return echo(req, res, r);
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
      res.end('{"code":"token_expired"}');
    };
  },

  /** Always 401 (the token is rejected whatever happens). */
  alwaysUnauthorized(): UpstreamHandler {
    return behaviours.respond(401, { 'content-type': 'application/json' }, '{"code":"invalid_token"}');
  },

  /**
   * 200 with hop-by-hop headers, a Connection-nominated custom header, and server identity
   * headers, all of which bffkit must strip.
   */
  hopByHop(): UpstreamHandler {
    return (_req, res) => {
      res.setHeader('connection', 'keep-alive, x-hop-custom');
      res.setHeader('keep-alive', 'timeout=5');
      res.setHeader('x-hop-custom', 'secret-hop');
      res.setHeader('proxy-authenticate', 'Basic realm="x"');
      res.setHeader('proxy-connection', 'keep-alive');
      res.setHeader('trailer', 'x-trailer');
      res.setHeader('upgrade', 'h2c');
      res.setHeader('server', 'internal-api/1.2.3');
      res.setHeader('x-powered-by', 'Express');
      res.setHeader('etag', '"v1"');
      res.setHeader('x-total-count', '42');
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    };
  },

  /** Destroys the socket without answering (a connection reset). */
  reset(): UpstreamHandler {
    return (req) => void req.socket.destroy();
  },
};
