/**
 * A raw HTTP client for attacks: node:http, so the request target, the Host header, odd methods and
 * repeated headers go on the wire exactly as written (fetch would normalise or refuse them).
 * Every exchange is logged so that each file can assert at the end that nothing answered 500.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** One answer. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every Set-Cookie line. */
  setCookies: string[];
  body: string;
  /** Milliseconds from sending to the end of the body. */
  ms: number;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

/** What to send. */
export interface Spec {
  method?: string;
  /** Header values as sent; an array sends the header several times. */
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Buffer;
  /** Shortcut for the Cookie header. */
  cookie?: string;
  /** @default 60 s */
  timeoutMs?: number;
  /**
   * Marks a 500 as expected (a documented limit outside bffkit, e.g. Next.js and TRACE), so the
   * per-file health check does not count it.
   */
  expect500?: string;
}

/** One logged exchange. */
export interface Exchange {
  method: string;
  path: string;
  status: number;
  expected500?: string;
}

/** A client bound to one app origin. */
export class Client {
  readonly origin: string;
  readonly host: string;
  readonly exchanges: Exchange[] = [];
  private readonly url: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(base: string) {
    this.url = new URL(base);
    this.origin = this.url.origin;
    this.host = this.url.host;
  }

  /**
   * Sends one request. `path` is the raw request target. A connection the server drops answers
   * status 0 (e.g. CONNECT).
   */
  request(path: string, spec: Spec = {}): Promise<Reply> {
    const method = spec.method ?? 'GET';
    const headers: Record<string, string | string[]> = { host: this.host };
    if (spec.cookie) headers.cookie = spec.cookie;
    for (const [k, v] of Object.entries(spec.headers ?? {})) {
      if (v === undefined) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    if (spec.body !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      headers['content-length'] = String(Buffer.byteLength(spec.body));
    }
    const started = performance.now();
    return new Promise<Reply>((resolve) => {
      let finished = false;
      const done = (status: number, resHeaders: IncomingHttpHeaders, body: string) => {
        if (finished) return;
        finished = true;
        this.exchanges.push({ method, path, status, ...(spec.expect500 ? { expected500: spec.expect500 } : {}) });
        const setCookies = ([] as string[]).concat(resHeaders['set-cookie'] ?? []);
        resolve({
          status,
          headers: resHeaders,
          setCookies,
          body,
          ms: performance.now() - started,
          json: <T>() => JSON.parse(body) as T,
        });
      };
      const req = httpRequest(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers,
          agent: this.agent,
          setHost: false,
          timeout: spec.timeoutMs ?? 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8')));
          res.on('error', () => done(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8')));
        },
      );
      // CONNECT answers arrive as 'connect', not 'response'.
      req.on('connect', (res, socket) => {
        socket.destroy();
        done(res.statusCode ?? 0, res.headers, '');
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(0, {}, ''));
      req.end(spec.body);
    });
  }

  /** GET with an optional cookie. */
  get(path: string, cookie?: string, spec: Spec = {}): Promise<Reply> {
    return this.request(path, { ...spec, ...(cookie ? { cookie } : {}) });
  }

  /** A JSON request the way the app's own client sends it: x-csrf and a same-origin Origin. */
  json(path: string, body: unknown, spec: Spec = {}): Promise<Reply> {
    return this.request(path, {
      method: 'POST',
      ...spec,
      headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: this.origin, ...spec.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  /** An HTML form post (no anti-forgery header, same-origin Origin) the way a browser without JS sends it. */
  form(path: string, fields: Record<string, string>, spec: Spec = {}): Promise<Reply> {
    return this.request(path, {
      method: 'POST',
      ...spec,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, ...spec.headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
