/**
 * A real HTTP server on 127.0.0.1 playing a backend in unit tests: routes answer scripted replies
 * (fixed or computed from the request) and every request is recorded. Imports no test framework.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A scripted reply; `hang` never answers, `stall` sends headers and half a body. */
export type ScriptedReply =
  | { status?: number; json?: unknown; text?: string; headers?: Record<string, string> }
  | 'hang'
  | 'stall'
  | ((req: SeenRequest) => ScriptedReply);

/** The running server. */
export interface ScriptedServer {
  url: string;
  /** `METHOD /path` → reply (unknown routes answer 404 JSON). */
  routes: Map<string, ScriptedReply>;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts a scripted backend on a free loopback port.
 *
 * @example
 * const server = await scriptedServer();
 * server.routes.set('POST /auth/login', { json: { access_token: 'at' } });
 */
export async function scriptedServer(): Promise<ScriptedServer> {
  const routes = new Map<string, ScriptedReply>();
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: SeenRequest = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      let reply: ScriptedReply = routes.get(`${req.method} ${req.url}`) ?? { status: 404, json: { code: 'not_found' } };
      while (typeof reply === 'function') reply = reply(request);
      if (reply === 'hang') return;
      if (reply === 'stall') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"access_token":');
        return;
      }
      const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
      res.writeHead(reply.status ?? 200, { 'content-type': reply.text !== undefined ? 'text/html' : 'application/json', ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routes,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
