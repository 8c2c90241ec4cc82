// The floor of any route-handler forwarder built on node:http: keep-alive agent, upstream body
// streamed back as-is, no session, no header hygiene, no limits. bffkit adds its work on top of this.
import http from 'node:http';
import { Readable } from 'node:stream';

export const dynamic = 'force-dynamic';

const PREFIX = '/nodehttp';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);
const agent = new http.Agent({ keepAlive: true, timeout: 4000 });

export function GET(request) {
  const url = new URL(request.url);
  return new Promise((resolve, reject) => {
    const req = http.request(process.env.BACKEND_URL + url.pathname.slice(PREFIX.length) + url.search, {
      agent,
      headers: { authorization: request.headers.get('authorization') ?? '', 'accept-encoding': 'identity' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const headers = new Headers();
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.has(res.rawHeaders[i].toLowerCase())) headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
      }
      resolve(new Response(Readable.toWeb(res), { status: res.statusCode, headers }));
    });
    req.end();
  });
}
