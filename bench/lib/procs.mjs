// Child processes of the benchmark (example backend, bench Next app) and their CPU / memory from /proc.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BACKEND_ENTRY = join(ROOT, 'examples/backend-api/dist/server.js');
export const BENCH_APP_DIR = join(ROOT, 'bench/app');
export const NEXT_BIN = join(ROOT, 'node_modules/next/dist/bin/next');
/** Fixed secret of the bench app (only ever used on 127.0.0.1). */
export const BENCH_SECRET = 'YmVuY2gtc2VjcmV0LWZvci1iZmZraXQtYmVuY2htYXJrcw';
export const DEMO = { email: 'demo@example.com', password: 'demo-password' };

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const CLK_TCK = 100; // USER_HZ: Linux always reports /proc times in 1/100 s.

const children = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** A free loopback port (bind 0, release). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves once `ready(output)` is true. */
export function startProcess(name, cmd, args, { cwd, env, ready }) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  const onData = (d) => {
    out += d;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const proc = {
    name,
    pid: child.pid,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(t);
      children.delete(child);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${out}`));
    }, START_TIMEOUT_MS);
    const poll = setInterval(async () => {
      if (await Promise.resolve().then(() => ready(out)).catch(() => false)) {
        clearInterval(poll);
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(proc);
      }
    }, 100);
    const onExit = (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${out}`));
    };
    child.once('exit', onExit);
  });
}

/** Starts the built example backend (stats on). */
export async function startBackend({ port, accessTokenTtl = 3600 } = {}) {
  port ??= await freePort();
  const proc = await startProcess('backend', process.execPath, [BACKEND_ENTRY], {
    cwd: ROOT,
    env: { BACKEND_PORT: String(port), EXAMPLE_BACKEND_STATS: '1', ACCESS_TOKEN_TTL: String(accessTokenTtl) },
    ready: (out) => out.includes('listening on'),
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    ...proc,
    url,
    port,
    async stats() {
      return (await fetch(`${url}/__stats`)).json();
    },
    async resetStats() {
      await fetch(`${url}/__stats/reset`, { method: 'POST' });
    },
    /** A bearer token straight from the backend (for direct, naive and rewrites contenders). */
    async login() {
      const res = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(DEMO),
      });
      if (!res.ok) throw new Error(`backend login failed: ${res.status}`);
      return (await res.json()).access_token;
    },
  };
}

/** The page-shell benchmark's app (Cache Components on). */
export const SHELL_APP_DIR = join(ROOT, 'bench/shell-app');

/** Starts `next start` for the bench app (built by run.mjs; `dir` another one) against `backendUrl`. */
export async function startApp({ backendUrl, port, dir = BENCH_APP_DIR }) {
  port ??= await freePort();
  const appUrl = `http://localhost:${port}`;
  const proc = await startProcess('bench app', process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: dir,
    env: { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', BACKEND_URL: backendUrl, APP_URL: appUrl, BFF_SECRET: BENCH_SECRET },
    ready: async () => (await fetch(`http://127.0.0.1:${port}/static`)).ok,
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    ...proc,
    url: base,
    port,
    /** Logs in through bffkit and answers the Cookie header the browser would send. */
    async login() {
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf': '1' },
        body: JSON.stringify(DEMO),
      });
      if (!res.ok) throw new Error(`app login failed: ${res.status} ${await res.text()}`);
      return cookieHeaderFrom(res.headers.getSetCookie());
    },
  };
}

/** Set-Cookie lines → the Cookie header a browser would send next (pairs with a non-empty value). */
export function cookieHeaderFrom(setCookies) {
  return setCookies
    .map((c) => c.split(';', 1)[0])
    .filter((pair) => pair.indexOf('=') > 0 && pair.indexOf('=') < pair.length - 1)
    .join('; ');
}

/** The pid and every descendant (next start may fork workers). */
function processTree(pid) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(fields[1]));
    } catch {
      // The process exited meanwhile.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parent) if (pp === tree[i]) tree.push(p);
  return tree;
}

/** CPU seconds (user + system) used so far by `pid` and its descendants. */
export function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {
      // Gone.
    }
  }
  return ticks / CLK_TCK;
}

/** Resident memory (bytes) of `pid` and its descendants. */
export function rssBytes(pid, tree = processTree(pid)) {
  let kb = 0;
  for (const p of tree) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // Gone.
    }
  }
  return kb * 1024;
}

export { processTree };
