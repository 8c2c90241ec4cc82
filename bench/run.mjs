#!/usr/bin/env node
// `npm run bench`: builds what it needs, runs every benchmark with alternating contenders over several
// rounds, prints a markdown table (median ±spread) and writes bench/results.json.
//
//   node bench/run.mjs [--quick] [--only session-read,cookie-size,forwarding,session-endpoint,refresh-storm,streaming,telemetry,dpop,page-shell]
//                      [--rounds N] [--seconds S] [--connections C] [--out FILE] [--no-build]
//
// Only 127.0.0.1 traffic; every load is time-bounded; every child process is stopped at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { loadTool, wrkBinary } from './lib/load.mjs';
import { BACKEND_ENTRY, BENCH_APP_DIR, NEXT_BIN, ROOT, SHELL_APP_DIR, freePort, startApp, startBackend } from './lib/procs.mjs';
import { num, table } from './lib/stats.mjs';
// The benchmark modules import the built library (`bffkit`), so they are loaded after the build.

const ALL = ['session-read', 'cookie-size', 'forwarding', 'session-endpoint', 'streaming', 'refresh-storm', 'telemetry', 'dpop', 'page-shell'];
/**
 * Access-token lifetime of the storm's backend: short, so the storm needs no long wait, yet longer
 * than a storm lasts (with 1 s, the token refreshed mid-storm expires again before the storm ends).
 */
const STORM_TTL = 5;

function parseArgs(argv) {
  const o = { quick: false, only: ALL, rounds: undefined, seconds: undefined, connections: 8, out: join(ROOT, 'bench/results.json'), build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = next().split(',');
    else if (a === '--rounds') o.rounds = Number(next());
    else if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--connections') o.connections = Number(next());
    else if (a === '--out') o.out = next();
    else if (a === '--no-build') o.build = false;
    else throw new Error(`unknown option ${a}`);
  }
  const unknown = o.only.filter((x) => !ALL.includes(x));
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${ALL.join(', ')})`);
  return o;
}

const log = (...a) => console.error(...a);

/** Newest mtime of the files under `dir` (skipping node_modules/dist/.next). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.next'].includes(e.name)) continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function npmBuild(workspace) {
  log(`build: npm run build -w ${workspace}`);
  const r = spawnSync('npm', ['run', 'build', '-w', workspace], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm run build -w ${workspace} failed (exit ${r.status})`);
}

/** Builds the library and the example backend when missing or older than their sources. */
function ensureBuilt() {
  const lib = join(ROOT, 'packages/bffkit');
  const libOut = join(lib, 'dist/next/index.js');
  if (!existsSync(libOut) || newest(join(lib, 'src')) > statSync(libOut).mtimeMs) npmBuild('packages/bffkit');
  const be = join(ROOT, 'examples/backend-api');
  if (!existsSync(BACKEND_ENTRY) || newest(join(be, 'src')) > statSync(BACKEND_ENTRY).mtimeMs) npmBuild('examples/backend-api');
}

/** `next build` of bench/app; rewrites() bakes the backend URL in at build time. */
function buildBenchApp(backendUrl) {
  log(`build: bench/app (next build, rewrites → ${backendUrl})`);
  const r = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: BENCH_APP_DIR,
    env: { ...process.env, BENCH_BACKEND_URL: backendUrl, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`next build of bench/app failed:\n${r.stdout}\n${r.stderr}`);
}

/** `next build` of bench/shell-app (Cache Components on); answers its route lines (○ ◐ ƒ). */
function buildShellApp() {
  log('build: bench/shell-app (next build, Cache Components on)');
  const r = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: SHELL_APP_DIR,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`next build of bench/shell-app failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout.split('\n').filter((l) => /^[┌├└] /.test(l));
}

function machine() {
  const cpus = os.cpus();
  let wrk = null;
  if (wrkBinary()) wrk = /wrk [^\s[]+/.exec(spawnSync(wrkBinary(), ['-v'], { encoding: 'utf8' }).stdout)?.[0] ?? 'wrk';
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    next: JSON.parse(readFileSync(join(ROOT, 'node_modules/next/package.json'), 'utf8')).version,
    loadTool: loadTool(),
    wrk,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** Creates notes so GET /notes answers ~1 KB of JSON, like the static route. */
async function seedNotes(backend, bearer) {
  for (let i = 0; i < 5; i++) {
    await fetch(`${backend.url}/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `Benchmark note ${i}`, body: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(2) }),
    });
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const http = {
    rounds: o.rounds ?? (o.quick ? 1 : 8),
    seconds: o.seconds ?? (o.quick ? 1 : 3),
    warmup: o.quick ? 0 : 1,
    connections: o.connections,
    log,
  };
  const info = machine();
  log(`bench: ${info.cpu} × ${info.cores}, Node ${info.node}, Next ${info.next}, load via ${info.loadTool}; load average ${info.loadAverageAtStart.join(' ')}`);
  if (o.build) ensureBuilt();
  const [sessionRead, cookieSize, forwarding, sessionEndpoint, streaming, refreshStorm, telemetry, dpop, pageShell] = await Promise.all(
    ['session-read', 'cookie-size', 'forwarding', 'session-endpoint', 'streaming', 'refresh-storm', 'telemetry', 'dpop', 'page-shell'].map((m) => import(`./${m}.mjs`)),
  );

  const sections = [];
  const errors = [];
  const stoppers = [];
  const want = (name) => o.only.includes(name);
  const section = async (name, fn) => {
    if (!want(name)) return;
    log(`\n== ${name}`);
    try {
      sections.push(await fn());
    } catch (error) {
      log(`!! ${name} failed: ${error.stack ?? error}`);
      errors.push({ name, error: String(error.message ?? error) });
    }
  };

  try {
    await section('session-read', () => sessionRead.run({ rounds: o.rounds ?? (o.quick ? 1 : 7), ms: o.quick ? 30 : 400, log }));
    await section('cookie-size', () => cookieSize.run());
    await section('telemetry', () => telemetry.run({ rounds: o.rounds ?? (o.quick ? 1 : 7), ms: o.quick ? 30 : 500, log }));

    const needsApp = ['forwarding', 'session-endpoint', 'streaming'].some(want);
    const port = await freePort();
    const backendUrl = `http://127.0.0.1:${port}`;
    if (needsApp || want('refresh-storm')) buildBenchApp(backendUrl);
    if (needsApp) {
      const backend = await startBackend({ port, accessTokenTtl: 3600 });
      stoppers.push(() => backend.stop());
      const app = await startApp({ backendUrl });
      stoppers.push(() => app.stop());
      const bearer = await backend.login();
      await seedNotes(backend, bearer);
      const cookie = await app.login();
      const env = { backend, app, bearer, cookie };
      await section('forwarding', () => forwarding.run(env, http));
      await section('session-endpoint', () => sessionEndpoint.run(env, http));
      await section('streaming', () => streaming.run(env, { rounds: o.quick ? 1 : 3, megabytes: o.quick ? 20 : 200, log }));
    }
    await section('refresh-storm', async () => {
      const backend = await startBackend({ accessTokenTtl: STORM_TTL });
      stoppers.push(() => backend.stop());
      const app = await startApp({ backendUrl: backend.url });
      stoppers.push(() => app.stop());
      return refreshStorm.run({ app, backend, ttl: STORM_TTL }, { rounds: o.quick ? 1 : 3, concurrency: 100, log });
    });
    await section('dpop', () => dpop.run({ rounds: o.rounds ?? (o.quick ? 1 : 3), seconds: o.quick ? 1 : (o.seconds ?? 5), connections: o.connections, log }));
    await section('page-shell', async () => {
      const routes = buildShellApp();
      log(routes.map((l) => `  ${l}`).join('\n'));
      const backend = await startBackend({ accessTokenTtl: 3600 });
      stoppers.push(() => backend.stop());
      const app = await startApp({ backendUrl: backend.url, dir: SHELL_APP_DIR });
      stoppers.push(() => app.stop());
      const cookie = await app.login();
      const result = await pageShell.run({ app, cookie }, { rounds: o.rounds ?? (o.quick ? 1 : 8), requests: o.quick ? 20 : 200, warmup: o.quick ? 5 : 50, log });
      return { ...result, note: `${result.note}\n\nbench/shell-app routes: ${routes.map((l) => l.slice(2)).join(', ')}.` };
    });
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  }

  const goals = sections.flatMap((s) => s.goals ?? []);
  info.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const seconds = Math.round((Date.now() - started) / 1000);
  const md = render(sections, goals, errors, info, o, http, seconds);
  console.log(md);
  const json = { date: new Date().toISOString(), seconds, quick: o.quick, machine: info, options: { ...http, log: undefined }, benchmarks: {}, goals, errors };
  for (const s of sections) json.benchmarks[s.name] = { title: s.title, note: s.note, results: s.results, goals: s.goals };
  writeFileSync(o.out, `${JSON.stringify(json, null, 2)}\n`);
  log(`\nwrote ${o.out} in ${seconds} s`);
  return errors.length ? 1 : 0;
}

function render(sections, goals, errors, m, o, http, seconds) {
  const out = [];
  out.push(`### bffkit benchmarks${o.quick ? ' (quick smoke run: not representative)' : ''}`);
  out.push('');
  out.push(
    `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}; Node ${m.node}; Next ${m.next} (\`next start\`); load: ${m.wrk ?? m.loadTool}, ` +
      `${http.connections} connections, ${http.rounds} rounds × ${http.seconds} s per contender (alternating). ` +
      `Load average ${m.loadAverageAtStart.join(' ')} at start, ${m.loadAverageAtEnd.join(' ')} at end; ran ${seconds} s. Spread = half the min–max range over rounds.`,
  );
  for (const s of sections) {
    out.push('', `#### ${s.title}`, '', s.table);
    if (s.note) out.push('', s.note);
  }
  out.push('', '#### Goals', '');
  const fmt = (v) => (typeof v === 'number' ? num(v, Number.isInteger(v) ? 0 : 2) : String(v));
  out.push(table(['goal', 'measured', 'target', 'met'], goals.map((g) => [g.name, fmt(g.value), fmt(g.target), g.met ? 'yes' : '**no**'])));
  for (const e of errors) out.push('', `**${e.name} failed:** ${e.error}`);
  return out.join('\n');
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(error.stack ?? error);
    process.exit(1);
  },
);
