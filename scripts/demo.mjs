#!/usr/bin/env node
// `npm run demo`: builds what is missing, then runs the example backend and the example app.
//
//   PORT=3000 BACKEND_PORT=4000 npm run demo      (defaults shown)
//   BFF_SECRET=...  (else a random dev secret is kept in .data/demo-secret)
//
// Ctrl-C stops both processes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { staleArtefacts } from './lib/build.mjs';
import { ROOT, elapsed, portFree, run, waitForHttp } from './lib/proc.mjs';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const MIN_SECRET_LENGTH = 32;

function fail(message) {
  console.error(`\ndemo: ${message}`);
  process.exit(1);
}

function readPort(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${name} must be a port number, got "${raw}".`);
  return port;
}

/** BFF_SECRET from the env, else the dev secret in .data/demo-secret (created on first run). */
function devSecret() {
  const fromEnv = process.env.BFF_SECRET;
  if (fromEnv) {
    if (fromEnv.length < MIN_SECRET_LENGTH) fail(`BFF_SECRET must be at least ${MIN_SECRET_LENGTH} characters.`);
    return { secret: fromEnv, source: 'BFF_SECRET' };
  }
  const dir = join(ROOT, '.data');
  const file = join(dir, 'demo-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= MIN_SECRET_LENGTH) return { secret, source: '.data/demo-secret' };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, source: '.data/demo-secret (new)' };
}

const children = [];
let stopping = false;

/** Spawns a long-running child whose output is prefixed with `[label]`. */
function startChild(label, args, options) {
  // detached: Ctrl-C reaches only this script, which then stops the children by PID in order.
  const child = spawn(process.execPath, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) out.write(`[${label}] ${line}\n`);
    });
    stream.on('end', () => rest && out.write(`[${label}] ${rest}\n`));
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  const entry = { label, child, exited: false };
  entry.exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      entry.exited = true;
      resolve();
      if (!stopping) {
        console.error(`\ndemo: the ${label} stopped unexpectedly (code ${code}, signal ${signal}); shutting down.`);
        void shutdown(1);
      }
    });
    child.once('error', (err) => {
      entry.exited = true;
      resolve();
      if (!stopping) {
        console.error(`\ndemo: could not start the ${label}: ${err.message}`);
        void shutdown(1);
      }
    });
  });
  children.push(entry);
  return entry;
}

/** Stops every child by PID (SIGTERM, then SIGKILL) and exits. */
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (!c.exited) c.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const c of children) if (!c.exited) c.child.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await Promise.all(children.map((c) => c.exit));
  clearTimeout(timer);
  process.exit(code);
}

async function main() {
  const appPort = readPort('PORT', 3000);
  const backendPort = readPort('BACKEND_PORT', 4000);
  if (appPort === backendPort) fail(`PORT and BACKEND_PORT must differ (both are ${appPort}).`);

  // Fail early on taken ports, before a possibly long build.
  for (const [name, port] of [['PORT', appPort], ['BACKEND_PORT', backendPort]]) {
    if (!(await portFree(port))) {
      fail(`port ${port} (${name}) is already in use. Stop whatever listens there, or choose another: ${name}=${port + 1} npm run demo`);
    }
  }

  const reasons = staleArtefacts();
  if (reasons.length > 0) {
    console.log(`demo: building (${reasons.join('; ')}) ...`);
    const start = performance.now();
    const code = await run('npm', ['run', 'build']);
    if (code !== 0) fail(`\`npm run build\` failed (exit code ${code}).`);
    console.log(`demo: build done in ${elapsed(start)}`);
  }

  const { secret, source } = devSecret();
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const appUrl = `http://localhost:${appPort}`;

  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGHUP', () => void shutdown(0));
  // Last resort (an exception in this script): never leave servers running.
  process.on('exit', () => {
    for (const c of children) if (!c.exited) c.child.kill('SIGKILL');
  });

  const backend = startChild('backend', [join(ROOT, 'examples/backend-api/dist/server.js')], {
    cwd: join(ROOT, 'examples/backend-api'),
    env: { ...process.env, BACKEND_PORT: String(backendPort) },
  });
  const backendProblem = await waitForHttp(`${backendUrl}/.well-known/jwks.json`, READY_TIMEOUT_MS, () => backend.exited);
  if (backendProblem) {
    console.error(`demo: the backend at ${backendUrl} did not start: ${backendProblem}`);
    return shutdown(1);
  }

  const nextBin = join(ROOT, 'node_modules/next/dist/bin/next');
  const app = startChild('app', [nextBin, 'start', '-p', String(appPort), '-H', '127.0.0.1'], {
    cwd: join(ROOT, 'examples/next-app'),
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(appPort),
      APP_URL: appUrl,
      BACKEND_URL: backendUrl,
      BFF_SECRET: secret,
    },
  });
  const appProblem = await waitForHttp(`${appUrl}/api/auth/session`, READY_TIMEOUT_MS, () => app.exited);
  if (appProblem) {
    console.error(`demo: the app at ${appUrl} did not start: ${appProblem}`);
    return shutdown(1);
  }

  console.log(`
  bffkit demo is running

    App:      ${appUrl}
    Backend:  ${backendUrl}   (the example API; the browser never talks to it)
    Secret:   ${source}

    Sign in with  demo@example.com   / demo-password
             or   second@example.com / second-password

  Press Ctrl-C to stop.
`);
}

await main();
