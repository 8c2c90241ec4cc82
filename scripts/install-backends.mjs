#!/usr/bin/env node
// Installs the third-party backends the integration tests start as real processes
// (tests/backends/<name>/), skipping whatever is already installed, and prints the time each took.
//
//   node scripts/install-backends.mjs            install what is missing or out of date
//   node scripts/install-backends.mjs --force    reinstall everything
//
// - django:      Debian packages (python3-django python3-djangorestframework
//                python3-djangorestframework-simplejwt), checked with /usr/bin/python3; nothing to
//                build (migrations run when the backend starts).
// - better-auth: `npm ci` in its folder. Its only install script is better-sqlite3's native build
//                (~110 s): when the repo root already has the same better-sqlite3 version built for
//                this Node, its binary is reused instead of compiling it a second time.
// - payload:     `npm ci` in its folder, then `next build` (Payload runs inside Next).
//
// Each Node backend has its own package.json and lockfile and is not an npm workspace, so its
// dependency tree never touches the repo's. A stamp (a hash of the lockfile, and for the build of
// the sources) in each folder makes reruns no-ops.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT, elapsed } from './lib/proc.mjs';

const BACKENDS = join(ROOT, 'tests', 'backends');
const PYTHON = process.env.BFFKIT_DJANGO_PYTHON || '/usr/bin/python3';
const DJANGO_APT = 'python3-django python3-djangorestframework python3-djangorestframework-simplejwt';
const force = process.argv.includes('--force');

/** sha256 over the given files (paths relative to `dir`), in order. */
function hashFiles(dir, files) {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(dir, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Every file under `dir`, recursively, sorted. */
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

function stampMatches(file, value) {
  return !force && existsSync(file) && readFileSync(file, 'utf8').trim() === value;
}

function writeStamp(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${value}\n`);
}

/** Runs a command, prefixing each output line with `[label]`; resolves to the exit code. */
function run(label, command, args, cwd, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = (stream, target) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) target.write(`[${label}] ${line}\n`);
      });
      stream.on('end', () => rest && target.write(`[${label}] ${rest}\n`));
    };
    prefix(child.stdout, process.stdout);
    prefix(child.stderr, process.stderr);
    child.once('error', (err) => {
      console.error(`[${label}] could not start ${command}: ${err.message}`);
      resolve(127);
    });
    child.once('close', (code, signal) => resolve(code ?? (signal ? 129 : 1)));
  });
}

async function npmCi(label, dir, extraArgs = []) {
  const lock = join(dir, 'package-lock.json');
  const stamp = join(dir, 'node_modules', '.bffkit-install-stamp');
  const want = hashFiles(dir, [join(dir, 'package.json'), lock]);
  if (stampMatches(stamp, want)) return { skipped: true };
  const code = await run(label, 'npm', ['ci', '--no-audit', '--no-fund', ...extraArgs], dir);
  if (code !== 0) throw new Error(`${label}: npm ci failed with exit code ${code}`);
  return { stamp, want };
}

async function installDjango() {
  const check = spawnSync(PYTHON, ['-c', 'import django, rest_framework, rest_framework_simplejwt; print(django.get_version())'], {
    encoding: 'utf8',
  });
  if (check.status !== 0) {
    throw new Error(`django: ${PYTHON} cannot import Django REST framework + simplejwt. Install: apt-get install -y ${DJANGO_APT}`);
  }
  return `Django ${check.stdout.trim()} found (${PYTHON})`;
}

async function installBetterAuth() {
  const dir = join(BACKENDS, 'better-auth');
  const label = 'better-auth';
  const result = await npmCi(label, dir, ['--ignore-scripts']);
  if (result.skipped) return 'already installed';
  // The only install script in this tree is better-sqlite3's native build. Reuse the root's binary
  // when it is the same version (it is byte-identical), else compile it here.
  const own = join(dir, 'node_modules', 'better-sqlite3');
  const root = join(ROOT, 'node_modules', 'better-sqlite3');
  const binary = join('build', 'Release', 'better_sqlite3.node');
  const version = (pkgDir) => JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  let how = 'compiled';
  if (existsSync(join(root, binary)) && version(root) === version(own)) {
    mkdirSync(join(own, 'build', 'Release'), { recursive: true });
    copyFileSync(join(root, binary), join(own, binary));
    how = 'reused the root build';
  }
  const loads = () =>
    spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { cwd: dir })
      .status === 0;
  if (how !== 'compiled' && !loads()) how = 'compiled';
  if (how === 'compiled') {
    const code = await run(label, 'npm', ['rebuild', 'better-sqlite3'], dir);
    if (code !== 0 || !loads()) throw new Error(`${label}: better-sqlite3 did not build`);
  }
  writeStamp(result.stamp, result.want);
  return `installed (better-sqlite3: ${how})`;
}

async function installPayload() {
  const dir = join(BACKENDS, 'payload');
  const label = 'payload';
  const notes = [];
  const start = performance.now();
  const result = await npmCi(label, dir);
  if (!result.skipped) {
    writeStamp(result.stamp, result.want);
    notes.push(`npm ci ${elapsed(start)}`);
  }
  const sources = [
    join(dir, 'package-lock.json'),
    join(dir, 'next.config.mjs'),
    join(dir, 'payload.config.mjs'),
    ...walk(join(dir, 'app')),
    ...walk(join(dir, 'migrations')),
  ];
  const buildStamp = join(dir, '.next', '.bffkit-build-stamp');
  const want = hashFiles(dir, sources);
  if (stampMatches(buildStamp, want) && existsSync(join(dir, '.next', 'BUILD_ID'))) {
    notes.push('build up to date');
  } else {
    const buildStart = performance.now();
    const next = join(dir, 'node_modules', 'next', 'dist', 'bin', 'next');
    const code = await run(label, process.execPath, [next, 'build'], dir, { NEXT_TELEMETRY_DISABLED: '1' });
    if (code !== 0) throw new Error(`${label}: next build failed with exit code ${code}`);
    writeStamp(buildStamp, want);
    notes.push(`next build ${elapsed(buildStart)}`);
  }
  return result.skipped && notes.length === 1 ? 'already installed, build up to date' : notes.join(', ');
}

async function timed(name, install) {
  const start = performance.now();
  try {
    const what = await install();
    console.log(`install-backends: ${name}: ${what} (${elapsed(start)})`);
    return true;
  } catch (error) {
    console.error(`install-backends: ${name}: FAILED after ${elapsed(start)}: ${error.message}`);
    return false;
  }
}

const start = performance.now();
// The two npm installs mostly wait on the network and the disk: run them side by side.
const results = await Promise.all([
  timed('django', installDjango),
  timed('better-auth', installBetterAuth),
  timed('payload', installPayload),
]);
console.log(`install-backends: done in ${elapsed(start)}`);
process.exit(results.every(Boolean) ? 0 : 1);
