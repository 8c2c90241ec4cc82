/**
 * A real HTTP server between the app and the example backend, to play a hostile or broken backend:
 * by default it passes every request through; a rule can instead drop the connection, hang, answer
 * itself, or pass through and add response headers. Without a target it is a decoy that records
 * and answers 200 (to prove nothing ever reaches it).
 */
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What happens to one request. */
export type Action =
  /**
   * Passes through; `holdRequestMs` waits before sending it on, `holdResponseMs` waits before
   * answering once the backend has answered; `addHeaders` are added to the answer.
   */
  | { kind: 'pass'; addHeaders?: OutgoingHttpHeaders; holdRequestMs?: number; holdResponseMs?: number }
  /** Destroys the connection without an answer (an unreachable or crashed backend). */
  | { kind: 'drop' }
  /** Never answers (a backend that hangs). */
  | { kind: 'hang' }
  | { kind: 'respond'; status: number; headers?: OutgoingHttpHeaders; body?: string };

/** One request the interposer saw. */
export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/** A running interposer. */
export interface Interposer {
  url: string;
  seen: Seen[];
  /** Decides per request; return undefined to pass through. Replaces the previous rule. */
  setRule(rule: ((req: Seen) => Action | undefined) | null): void;
  close(): Promise<void>;
}

/**
 * Starts an interposer on a free loopback port in front of `target` (or a decoy without one).
 *
 * @example
 * const mitm = await startInterposer(backend.url);
 * mitm.setRule((r) => (r.path === '/auth/refresh' ? { kind: 'drop' } : undefined));
 */
export async function startInterposer(target?: string): Promise<Interposer> {
  let rule: ((req: Seen) => Action | undefined) | null = null;
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const targetUrl = target ? new URL(target) : null;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const entry: Seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
    seen.push(entry);
    const action = rule?.(entry) ?? (targetUrl ? { kind: 'pass' as const } : { kind: 'respond' as const, status: 200, body: 'decoy' });
    if (action.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (action.kind === 'hang') return;
    if (action.kind === 'respond') {
      req.resume();
      res.writeHead(action.status, { 'content-type': 'text/plain', ...action.headers });
      res.end(action.body ?? '');
      return;
    }
    const send = () => {
      const upstream = httpRequest(
        { host: targetUrl!.hostname, port: targetUrl!.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          const answer = () => {
            const headers: OutgoingHttpHeaders = { ...up.headers, ...action.addHeaders };
            res.writeHead(up.statusCode ?? 502, headers);
            up.pipe(res);
          };
          if (action.holdResponseMs) setTimeout(answer, action.holdResponseMs);
          else answer();
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (action.holdRequestMs) {
      req.pause();
      setTimeout(send, action.holdRequestMs);
    } else send();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    setRule(next) {
      rule = next;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
