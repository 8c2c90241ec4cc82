// The example app as it runs in production, for the multi-instance benchmarks: the example backend,
// N `next start` instances of examples/next-app sharing one configuration, optionally one
// redis-server, and Debian's nginx in front (round robin). Free ports, stopped by PID.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_SECRET, DEMO, NEXT_BIN, ROOT, freePort, startBackend, startProcess } from './procs.mjs';

export const EXAMPLE_APP_DIR = join(ROOT, 'examples/next-app');

/** redis-server on a free port, no persistence. */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bffkit-bench-redis-'));
  const proc = await startProcess(
    'redis-server',
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
    { cwd: dir, env: {}, ready: (out) => out.includes('Ready to accept connections') },
  );
  return {
    ...proc,
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One `next start` of the example app (examples/next-app, built). `appUrl` is what the browser sees. */
export async function startExampleApp({ backendUrl, appUrl, env = {} }) {
  const port = await freePort();
  const direct = `http://127.0.0.1:${port}`;
  const proc = await startProcess('example app', process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: EXAMPLE_APP_DIR,
    env: {
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(port),
      APP_URL: appUrl,
      BACKEND_URL: backendUrl,
      BFF_SECRET: BENCH_SECRET,
      ...env,
    },
    ready: async () => (await fetch(`${direct}/api/auth/session`)).ok,
  });
  return { ...proc, port, url: direct };
}

/** nginx in the foreground, round robin over `upstreams` (`host:port`), its prefix in a temp dir. */
export async function startNginx({ upstreams, port }) {
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bffkit-bench-nginx-'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream apps {
${upstreams.map((u) => `    server ${u} max_fails=0;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location = /__nginx_health { return 204; }
    location / {
      proxy_pass http://apps;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 60s;
    }
  }
}
`,
  );
  const proc = await startProcess('nginx', process.env.NGINX ?? 'nginx', ['-p', dir, '-c', conf, '-e', `${dir}/error.log`], {
    cwd: dir,
    env: {},
    ready: async () => (await fetch(`http://127.0.0.1:${port}/__nginx_health`)).status === 204,
  });
  return {
    ...proc,
    port,
    url: `http://localhost:${port}`,
    errorLog: () => {
      try {
        return readFileSync(`${dir}/error.log`, 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Backend + (Redis) + N example app instances + nginx. `mode` is 'cookie' (the default stateless
 * mode, no Redis) or 'redis' (BFF_SESSION_STORE=redis).
 */
export async function startSite({ instances = 2, mode = 'cookie', accessTokenTtl = 10, log = () => {} } = {}) {
  const started = [];
  const stop = async () => {
    for (const p of started.reverse()) await p.stop().catch(() => undefined);
  };
  try {
    const backend = await startBackend({ accessTokenTtl });
    started.push(backend);
    let redis;
    if (mode === 'redis') {
      redis = await startRedis();
      started.push(redis);
    }
    const lbPort = await freePort();
    const appUrl = `http://localhost:${lbPort}`;
    const env = mode === 'redis' ? { BFF_SESSION_STORE: 'redis', REDIS_URL: redis.url } : {};
    const apps = await Promise.all(Array.from({ length: instances }, () => startExampleApp({ backendUrl: backend.url, appUrl, env })));
    started.push(...apps);
    const lb = await startNginx({ upstreams: apps.map((a) => `127.0.0.1:${a.port}`), port: lbPort });
    started.push(lb);
    log(`site: ${instances} × next start (${mode} mode) behind nginx ${lb.url}, backend ${backend.url}, access token ${accessTokenTtl} s`);
    return { backend, redis, apps, lb, url: `http://127.0.0.1:${lbPort}`, origin: appUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A browser-like cookie jar: Set-Cookie lines applied in the order responses complete. */
export function cookieJar() {
  const values = new Map();
  return {
    apply(setCookies) {
      for (const line of setCookies) {
        const [pair, ...attrs] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const gone = !value || attrs.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
        if (gone) values.delete(name);
        else values.set(name, value);
      }
    },
    header: () => [...values].map(([k, v]) => `${k}=${v}`).join('; '),
    has: (name) => values.has(name),
    clear: () => values.clear(),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * One request; resolves `{ status, code, setCookies, ms, body }` (status 0 on a network error).
 * `fresh: true` opens a new connection (like separate browser requests in a storm).
 */
export function request(url, { method = 'GET', headers = {}, body, fresh = false, timeoutMs = 30_000 } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers, agent: fresh ? false : agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let code;
        if ((res.headers['content-type'] ?? '').includes('json')) {
          try {
            code = JSON.parse(text).code;
          } catch {
            // Not JSON after all.
          }
        }
        resolve({ status: res.statusCode, code, setCookies: res.headers['set-cookie'] ?? [], ms: performance.now() - started, body: text });
      });
      res.on('error', () => resolve({ status: 0, setCookies: [], ms: performance.now() - started, body: '' }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, setCookies: [], ms: performance.now() - started, body: '' }));
    req.end(body);
  });
}

/** Logs in through the site like the browser client (JSON, x-csrf, Origin) into `jar`. */
export async function login(site, jar, user = DEMO) {
  const res = await request(`${site.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: site.origin, host: new URL(site.origin).host },
    body: JSON.stringify(user),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body}`);
  jar.clear();
  jar.apply(res.setCookies);
  return res;
}
