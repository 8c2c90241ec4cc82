// What scripts/demo.mjs and scripts/demo-oidc.mjs share besides the child processes themselves
// (lib/children.mjs): read ports, check they are free, build what is stale, find the dev secrets,
// and start the example app.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { staleArtefacts } from './build.mjs';
import { ROOT, elapsed, portFree, run } from './proc.mjs';

const MIN_SECRET_LENGTH = 32;

/**
 * Setup helpers whose messages start with `name` (also the npm script: `npm run <name>`); each
 * problem is printed and ends the process with exit code 1.
 *
 * @example
 * const setup = demoSetup('demo');
 * const [appPort, backendPort] = await setup.freePorts([['PORT', 3000], ['BACKEND_PORT', 4000]]);
 * await setup.buildIfStale();
 * const { secret, source } = setup.devSecret('BFF_SECRET', 'demo-secret');
 */
export function demoSetup(name) {
  function fail(message) {
    console.error(`\n${name}: ${message}`);
    process.exit(1);
  }

  function readPort(envName, fallback) {
    const raw = process.env[envName];
    if (raw === undefined || raw === '') return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${envName} must be a port number, got "${raw}".`);
    return port;
  }

  /**
   * Reads each `[envName, default]` port; fails unless they all differ and are free (checked
   * early, before a possibly long build).
   */
  async function freePorts(specs) {
    const ports = specs.map(([envName, fallback]) => readPort(envName, fallback));
    if (new Set(ports).size !== ports.length) {
      const names = specs.map(([envName]) => envName);
      const all = names.length > 2 ? 'all ' : '';
      fail(`${names.slice(0, -1).join(', ')} and ${names.at(-1)} must ${all}differ (${ports.join(', ')}).`);
    }
    for (const [i, port] of ports.entries()) {
      const envName = specs[i][0];
      if (!(await portFree(port))) {
        fail(`port ${port} (${envName}) is already in use. Stop whatever listens there, or choose another: ${envName}=${port + 1} npm run ${name}`);
      }
    }
    return ports;
  }

  /** Runs `npm run build` when an artefact is missing or older than its sources. */
  async function buildIfStale() {
    const reasons = staleArtefacts();
    if (reasons.length === 0) return;
    console.log(`${name}: building (${reasons.join('; ')}) ...`);
    const start = performance.now();
    const code = await run('npm', ['run', 'build']);
    if (code !== 0) fail(`\`npm run build\` failed (exit code ${code}).`);
    console.log(`${name}: build done in ${elapsed(start)}`);
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

  return { fail, freePorts, buildIfStale, devSecret };
}

/**
 * Starts the built example app (`next start` on 127.0.0.1:`port`) in `group` (lib/children.mjs),
 * with `env` on top of the process env and the production settings.
 *
 * @example
 * const app = startExampleApp(group, 3000, { APP_URL: appUrl, BACKEND_URL: backendUrl, BFF_SECRET: secret });
 */
export function startExampleApp(group, port, env) {
  const nextBin = join(ROOT, 'node_modules/next/dist/bin/next');
  return group.start('app', [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: join(ROOT, 'examples/next-app'),
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', PORT: String(port), ...env },
  });
}
