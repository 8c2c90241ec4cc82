#!/usr/bin/env node
// `npm run demo:oidc`: the example app signing in through an OpenID provider. Starts three processes:
// the example identity provider (examples/oidc-provider, panva's oidc-provider), the example backend
// accepting that provider's access tokens (validated against its JWKS), and the example app
// (BFF_BACKEND=oidc, server-side sessions in memory so back-channel logout works).
//
//   PORT=3000 BACKEND_PORT=4000 OIDC_PORT=4010 npm run demo:oidc      (defaults shown)
//   OIDC_ACCESS_TOKEN_TTL=60    short access tokens, to watch refreshes (default 300)
//   BFF_SECRET=...  (else the dev secret in .data/demo-secret, as for `npm run demo`)
//
// Ctrl-C stops all three.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { staleArtefacts } from './lib/build.mjs';
import { ROOT, elapsed, portFree, run, waitForHttp } from './lib/proc.mjs';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const MIN_SECRET_LENGTH = 32;
const CLIENT_ID = 'bffkit-example';
const API_RESOURCE = 'urn:bffkit:example-api';

function fail(message) {
  console.error(`\ndemo:oidc: ${message}`);
  process.exit(1);
}

function readPort(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${name} must be a port number, got "${raw}".`);
  return port;
}

/** A secret from the env, else one kept in .data/<file> (created on first run). */
function devSecret(envName, file) {
  const fromEnv = process.env[envName];
  if (fromEnv) {
    if (fromEnv.length < MIN_SECRET_LENGTH) fail(`${envName} must be at least ${MIN_SECRET_LENGTH} characters.`);
    return { secret: fromEnv, source: envName };
  }
  const dir = join(ROOT, '.data');
  const path = join(dir, file);
  if (existsSync(path)) {
    const secret = readFileSync(path, 'utf8').trim();
    if (secret.length >= MIN_SECRET_LENGTH) return { secret, source: `.data/${file}` };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return { secret, source: `.data/${file} (new)` };
}

const children = [];
let stopping = false;

/** Spawns a long-running child whose output is prefixed with `[label]`. */
function startChild(label, args, options) {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const stopped = (why) => {
      entry.exited = true;
      resolve();
      if (!stopping) {
        console.error(`\ndemo:oidc: the ${label} ${why}; shutting down.`);
        void shutdown(1);
      }
    };
    child.once('exit', (code, signal) => stopped(`stopped unexpectedly (code ${code}, signal ${signal})`));
    child.once('error', (err) => stopped(`could not start: ${err.message}`));
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

async function ready(entry, url, what) {
  const problem = await waitForHttp(url, READY_TIMEOUT_MS, () => entry.exited);
  if (!problem) return true;
  console.error(`demo:oidc: the ${what} did not start: ${problem}`);
  await shutdown(1);
  return false;
}

async function main() {
  const appPort = readPort('PORT', 3000);
  const backendPort = readPort('BACKEND_PORT', 4000);
  const idpPort = readPort('OIDC_PORT', 4010);
  const ports = [['PORT', appPort], ['BACKEND_PORT', backendPort], ['OIDC_PORT', idpPort]];
  if (new Set([appPort, backendPort, idpPort]).size !== 3) fail('PORT, BACKEND_PORT and OIDC_PORT must all differ.');
  for (const [name, port] of ports) {
    if (!(await portFree(port))) {
      fail(`port ${port} (${name}) is already in use. Stop whatever listens there, or choose another: ${name}=${port + 1} npm run demo:oidc`);
    }
  }

  const reasons = staleArtefacts();
  if (reasons.length > 0) {
    console.log(`demo:oidc: building (${reasons.join('; ')}) ...`);
    const start = performance.now();
    const code = await run('npm', ['run', 'build']);
    if (code !== 0) fail(`\`npm run build\` failed (exit code ${code}).`);
    console.log(`demo:oidc: build done in ${elapsed(start)}`);
  }

  const { secret, source } = devSecret('BFF_SECRET', 'demo-secret');
  const { secret: clientSecret } = devSecret('OIDC_CLIENT_SECRET', 'demo-oidc-client-secret');
  const appUrl = `http://localhost:${appPort}`;
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const issuer = `http://localhost:${idpPort}`;

  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const idp = startChild('idp', [join(ROOT, 'examples/oidc-provider/server.mjs')], {
    cwd: join(ROOT, 'examples/oidc-provider'),
    env: { ...process.env, OIDC_PORT: String(idpPort), OIDC_ISSUER: issuer, OIDC_APP_URL: appUrl, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: clientSecret, OIDC_API_RESOURCE: API_RESOURCE },
  });
  if (!(await ready(idp, `${issuer}/.well-known/openid-configuration`, `identity provider at ${issuer}`))) return;

  const backend = startChild('backend', [join(ROOT, 'examples/backend-api/dist/server.js')], {
    cwd: join(ROOT, 'examples/backend-api'),
    env: { ...process.env, BACKEND_PORT: String(backendPort), OIDC_ISSUER: issuer, OIDC_JWKS_URL: `${issuer}/jwks`, OIDC_AUDIENCE: API_RESOURCE },
  });
  if (!(await ready(backend, `${backendUrl}/health`, `backend at ${backendUrl}`))) return;

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
      BFF_BACKEND: 'oidc',
      // Server-side sessions: a back-channel logout from the provider can end them.
      BFF_SESSION_STORE: process.env.BFF_SESSION_STORE || 'memory',
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: clientSecret,
    },
  });
  if (!(await ready(app, `${appUrl}/api/auth/session`, `app at ${appUrl}`))) return;

  console.log(`
  bffkit OpenID Connect demo is running

    App:       ${appUrl}        → "Sign in with the identity provider"
    Provider:  ${issuer}        (example identity provider; sign out there to see back-channel logout)
    Backend:   ${backendUrl}    (accepts the provider's access tokens; the browser never talks to it)
    Secret:    ${source}

    Sign in with  demo@example.com   / demo-password
             or   second@example.com / second-password

  Press Ctrl-C to stop.
`);
}

await main();
