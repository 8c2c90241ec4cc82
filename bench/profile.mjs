#!/usr/bin/env node
// CPU profile of the bench app under load, per request:
//   node bench/profile.mjs <path> [seconds=10] [path2 …]
// e.g. node bench/profile.mjs /api/backend/notes 10 /static
// Builds bench/app (server code unminified: BENCH_PROFILE=1), starts the example backend and
// `node --cpu-prof next start`, loads each path with wrk/autocannon, stops the app (which writes the
// .cpuprofile into bench/.cache/profiles/) and prints where the app's CPU went, in µs per request.
// Run `npm run build` first (library and example backend). 127.0.0.1 only; every load is bounded.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { load } from './lib/load.mjs';
import { BENCH_APP_DIR, BENCH_SECRET, DEMO, NEXT_BIN, ROOT, cookieHeaderFrom, freePort, startBackend } from './lib/procs.mjs';

const TOP = 25;

async function profilePath(path, seconds, backend, bearer) {
  const dir = join(ROOT, 'bench/.cache/profiles', path.replace(/[^A-Za-z0-9]+/g, '_'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: BENCH_APP_DIR,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', BACKEND_URL: backend.url, APP_URL: `http://localhost:${port}`, BFF_SECRET: BENCH_SECRET },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/static`)).ok) break;
      } catch {
        if (i > 300) throw new Error('the bench app did not start');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1' },
      body: JSON.stringify(DEMO),
    });
    const headers = { cookie: cookieHeaderFrom(login.headers.getSetCookie()), authorization: `Bearer ${bearer}` };
    await load({ url: base + path, headers, connections: 8, seconds: 1 });
    const r = await load({ url: base + path, headers, connections: 8, seconds });
    return { requests: r.requests + Math.round(r.rps), rps: r.rps, dir };
  } finally {
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGINT'); // Next exits cleanly, so Node writes the profile
    await exited;
  }
}

/** Self and inclusive time per function, in µs per request. */
function summarise(file, requests) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const time = new Map();
  p.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\.next\/server\//, '.next/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const incl = new Map();
  let busy = 0;
  for (const [id, t] of time) {
    const n = byId.get(id);
    if (/^\((idle|program)\)/.test(name(n))) continue;
    busy += t;
    self.set(name(n), (self.get(name(n)) ?? 0) + t);
    const seen = new Set();
    for (let c = id; c !== undefined; c = parent.get(c)) {
      const k = name(byId.get(c));
      if (!seen.has(k)) incl.set(k, (incl.get(k) ?? 0) + t);
      seen.add(k);
    }
  }
  const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, t]) => `${(t / requests).toFixed(1).padStart(8)} µs  ${k}`);
  return { busy: busy / requests, self: top(self), incl: top(incl) };
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) throw new Error('usage: node bench/profile.mjs <path> [seconds] [path2 [seconds2]] …');
  const jobs = [];
  for (let i = 0; i < args.length; i++) {
    const seconds = Number(args[i + 1]);
    jobs.push({ path: args[i], seconds: Number.isFinite(seconds) ? seconds : 10 });
    if (Number.isFinite(seconds)) i++;
  }
  const backend = await startBackend({ accessTokenTtl: 3600 });
  try {
    const r = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
      cwd: BENCH_APP_DIR,
      env: { ...process.env, BENCH_BACKEND_URL: backend.url, BENCH_PROFILE: '1', NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
      stdio: 'ignore',
    });
    if (r.status !== 0) throw new Error('next build of bench/app failed');
    const bearer = await backend.login();
    for (const { path, seconds } of jobs) {
      const { requests, rps, dir } = await profilePath(path, seconds, backend, bearer);
      const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')));
      const s = summarise(file, requests);
      console.log(`\n## ${path}: ${Math.round(rps)} req/s; app busy ${s.busy.toFixed(0)} µs/request (profile: ${file})`);
      console.log('\nself time:');
      console.log(s.self.join('\n'));
      console.log('\ninclusive time:');
      console.log(s.incl.join('\n'));
    }
  } finally {
    await backend.stop();
  }
}

main().catch((e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
