/**
 * Fresh apps as a new user makes them: `npx create-next-app@16.4.3` with its defaults untouched
 * (TypeScript, Tailwind, ESLint, App Router, Turbopack, Cache Components and Partial Prefetching
 * on), in either shape (`app/` at the root or under `src/`), with bffkit installed from the
 * `npm pack` tarball of packages/bffkit, never the workspace link. The only edit to the template:
 * its `next/font/google` fonts are removed (they are downloaded at build time, and this machine and
 * CI reach no font host).
 *
 *     const tarball = await packLibrary();            // needs `npm run build -w packages/bffkit`
 *     const app = await createFreshApp('src');        // copy of the cached template
 *     await app.install(tarball);
 *     await app.write('app/login/page.tsx', '...');   // relative to app/'s parent: src/ in 'src' shape
 *     await app.build();
 *     const server = await app.start({ env: { BFF_SECRET: '...' } });
 *     ... fetch(server.url + '/') ...
 *     await server.stop(); await app.remove();
 *
 * Where the apps live: outside the repository, under `os.tmpdir()/bffkit-fresh-app/<repo hash>/`.
 * Inside the repository the root package.json's `workspaces` would make Next take the monorepo as
 * the Turbopack root, and Node's resolution would walk up into the repository's node_modules (where
 * `bffkit` is the workspace link): neither happens in a user's world.
 *
 * What is cached: the created template of each shape, after `npm install` and the font edit, before
 * bffkit is added (`template-<shape>/`, with `.fresh-app.json` recording how long it took). It is
 * reused for 12 hours, so one CI run pays `create-next-app` + `npm install` once per shape; every
 * `createFreshApp` copies it, `node_modules` as hard links (under a second). `FRESH_APP_DIR` overrides the base folder.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT, baseEnv, track, waitUntilReady, type TrackedProcess } from './app-process';
import { freePort } from './ports';

/** The create-next-app release every fresh app is made with (the newest published). */
export const CREATE_NEXT_APP_VERSION = '16.4.3';

/** `root`: `app/` at the project root (the default); `src`: `--src-dir`, so `src/app/`; `js`: `--js` (JavaScript, `app/` at the root). */
export type AppShape = 'root' | 'src' | 'js';

/** The library package's folder. */
export const LIBRARY_DIR = join(REPO_ROOT, 'packages', 'bffkit');

/** How long a cached template is reused before it is created anew (npm ranges move). */
const TEMPLATE_MAX_AGE_MS = 12 * 60 * 60 * 1000;
const COMMAND_TIMEOUT_MS = 10 * 60 * 1000;
const STALE_APP_MS = 60 * 60 * 1000;
const READY_TIMEOUT_MS = 60_000;

/** The base folder: outside the repository, one per clone. */
export const FRESH_APP_DIR =
  process.env.FRESH_APP_DIR ??
  join(tmpdir(), 'bffkit-fresh-app', createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 10));

/** How long the steps took, in milliseconds. */
export type FreshAppTimings = {
  /** `create-next-app` (with `--skip-install`) when the template was made. */
  createMs: number;
  /** The template's `npm install` when it was made. */
  installMs: number;
  /** Whether this app's template came from the cache (the two figures above are then from then). */
  templateCached: boolean;
  /** Copying the template into this app's folder (node_modules hard-linked). */
  copyMs: number;
  /** `npm install <tarball>`, once {@link FreshApp.install} ran. */
  bffkitInstallMs?: number;
  /** `next build`, once {@link FreshApp.build} ran. */
  buildMs?: number;
};

/** A running `next start` of a fresh app. */
export type RunningFreshApp = {
  /** `http://localhost:<port>`. */
  url: string;
  port: number;
  /** The PID of the `node …/next start` process itself (stop() signals it, nothing else). */
  pid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
};

/** A fresh app on disk. */
export type FreshApp = {
  shape: AppShape;
  /** The project folder (package.json, next.config.ts). */
  dir: string;
  /** Where `app/` lives: `dir` in the root shape, `dir/src` in the src shape. */
  sourceDir: string;
  timings: FreshAppTimings;
  /** Installs the packed library (`npm install <tarball>`). */
  install(tarball: string): Promise<void>;
  /** Writes a file relative to {@link FreshApp.sourceDir} (`app/...`, `lib/...`, `proxy.ts`). */
  write(path: string, content: string): Promise<void>;
  /** Reads a file relative to {@link FreshApp.dir}. */
  read(path: string): Promise<string>;
  /** `next build`; throws with the output when it fails, returns the output otherwise. */
  build(env?: Record<string, string>): Promise<string>;
  /** `next start` on a free loopback port; waits until `readyPath` answers 200. */
  start(opts?: { env?: Record<string, string>; port?: number; readyPath?: string }): Promise<RunningFreshApp>;
  /** Deletes the app's folder. */
  remove(): Promise<void>;
};

/**
 * Packs packages/bffkit (`npm pack`) into a new folder and returns the tarball's path. The library
 * must be built first (`npm run build -w packages/bffkit`; `npm test` builds it).
 *
 * @example
 * const tarball = await packLibrary(); // /tmp/bffkit-fresh-app/…/pack/bffkit-0.1.0.tgz
 */
export async function packLibrary(): Promise<string> {
  if (!existsSync(join(LIBRARY_DIR, 'dist', 'index.js'))) {
    throw new Error('packLibrary: packages/bffkit/dist is missing. Build first: `npm run build -w packages/bffkit`.');
  }
  // One folder, emptied on every call: test files run one at a time within a suite.
  const dest = join(FRESH_APP_DIR, 'pack');
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: LIBRARY_DIR });
  const [info] = JSON.parse(stdout) as [{ filename: string }];
  return join(dest, info.filename);
}

/**
 * A new app of the given shape: a copy of the cached template (created on first use), bffkit not
 * installed yet.
 *
 * @example
 * const app = await createFreshApp('root');
 */
export async function createFreshApp(shape: AppShape): Promise<FreshApp> {
  const template = await ensureTemplate(shape);
  const record = JSON.parse(readFileSync(join(template.dir, RECORD), 'utf8')) as TemplateRecord;
  await removeStaleApps();
  const dir = await mkdtemp(join(FRESH_APP_DIR, 'apps', `${shape}-`));
  const copyStart = performance.now();
  await copyTemplate(template.dir, dir);
  const timings: FreshAppTimings = {
    createMs: record.createMs,
    installMs: record.installMs,
    templateCached: template.cached,
    copyMs: Math.round(performance.now() - copyStart),
  };
  const sourceDir = shape === 'src' ? join(dir, 'src') : dir;

  return {
    shape,
    dir,
    sourceDir,
    timings,
    async install(tarball) {
      const start = performance.now();
      await run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: dir });
      timings.bffkitInstallMs = Math.round(performance.now() - start);
    },
    async write(path, content) {
      const file = join(sourceDir, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    },
    read: (path) => readFile(join(dir, path), 'utf8'),
    async build(env = {}) {
      const start = performance.now();
      const { stdout, stderr } = await run(process.execPath, [nextBin(dir), 'build'], { cwd: dir, env });
      timings.buildMs = Math.round(performance.now() - start);
      return stdout + stderr;
    },
    start: (opts = {}) => startNext(dir, opts),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Copies the template: the project files for real, `node_modules` (about 480 MB, 30,000 files) as
 * hard links, which takes well under a second where a real copy takes 2 s on an idle machine and
 * 10-40 s on a busy one. Safe because nothing edits an installed file in place: `npm install
 * <tarball>` extracts new packages into new folders, and `next build` writes only `.next/` and the
 * project's own files. The one file npm does rewrite in place, `node_modules/.package-lock.json`, is
 * copied for real. (fresh-app.test.ts checks the template is unchanged after an install.)
 */
async function copyTemplate(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    if (name === RECORD) continue;
    const args = name === 'node_modules' ? ['-al'] : ['-a'];
    await run('cp', [...args, join(from, name), join(to, name)], { cwd: to });
  }
  const hiddenLock = join(to, 'node_modules', '.package-lock.json');
  if (existsSync(hiddenLock)) {
    await rm(hiddenLock);
    await run('cp', ['-a', join(from, 'node_modules', '.package-lock.json'), hiddenLock], { cwd: to });
  }
}

/** Apps left behind by a run that was killed before its `remove()` (older than an hour). */
async function removeStaleApps(): Promise<void> {
  const apps = join(FRESH_APP_DIR, 'apps');
  await mkdir(apps, { recursive: true });
  for (const name of await readdir(apps)) {
    const path = join(apps, name);
    if (Date.now() - (await stat(path)).mtimeMs > STALE_APP_MS) await rm(path, { recursive: true, force: true });
  }
}

/** The cached template's folder for `shape` (made by the first {@link createFreshApp}). */
export function templateDir(shape: AppShape): string {
  return join(FRESH_APP_DIR, `template-${CREATE_NEXT_APP_VERSION}-${shape}`);
}

/** The template's record of how it was made. */
type TemplateRecord = { createNextApp: string; shape: AppShape; createdAt: number; createMs: number; installMs: number };
const RECORD = '.fresh-app.json';

/** The cached template of `shape`, made now when it is missing or too old. */
async function ensureTemplate(shape: AppShape): Promise<{ dir: string; cached: boolean }> {
  const dir = templateDir(shape);
  const recordFile = join(dir, RECORD);
  if (existsSync(recordFile)) {
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as TemplateRecord;
    if (Date.now() - record.createdAt < TEMPLATE_MAX_AGE_MS) return { dir, cached: true };
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(FRESH_APP_DIR, { recursive: true });
  // Built in a folder of its own and renamed into place, so a half-made template is never used.
  const work = await mkdtemp(join(FRESH_APP_DIR, `making-${shape}-`));
  const app = join(work, 'app');
  try {
    // An empty config folder: create-next-app's saved preferences (--yes uses them) cannot change
    // the defaults.
    const env = { XDG_CONFIG_HOME: join(work, 'config'), CI: 'true' };
    const createStart = performance.now();
    await run(
      'npx',
      [
        '--yes',
        `create-next-app@${CREATE_NEXT_APP_VERSION}`,
        app,
        '--yes',
        ...(shape === 'src' ? ['--src-dir'] : []),
        ...(shape === 'js' ? ['--js'] : []),
        '--use-npm',
        '--skip-install',
        '--disable-git',
      ],
      { cwd: work, env },
    );
    const createMs = Math.round(performance.now() - createStart);
    removeGoogleFonts(join(app, shape === 'src' ? 'src' : '', 'app', shape === 'js' ? 'layout.js' : 'layout.tsx'));
    const installStart = performance.now();
    await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: app, env });
    const installMs = Math.round(performance.now() - installStart);
    const record: TemplateRecord = { createNextApp: CREATE_NEXT_APP_VERSION, shape, createdAt: Date.now(), createMs, installMs };
    await writeFile(join(app, RECORD), JSON.stringify(record, null, 2));
    try {
      await rename(app, dir);
    } catch (error) {
      // Another process finished the same template first: use theirs.
      if (!existsSync(recordFile)) throw error;
    }
    return { dir, cached: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Takes `next/font/google` out of the template's root layout (the only change to the template):
 * the import, the two font constants and their class names. Throws when the template no longer
 * looks as expected, so a changed template is noticed instead of half-edited.
 */
export function removeGoogleFonts(layoutFile: string): void {
  const before = readFileSync(layoutFile, 'utf8');
  const fontImport = /^import \{ Geist, Geist_Mono \} from "next\/font\/google";\n/m;
  const fontConsts = /^const geistSans = Geist\(\{[^}]*\}\);\n\nconst geistMono = Geist_Mono\(\{[^}]*\}\);\n\n/m;
  const fontClasses = 'className={`${geistSans.variable} ${geistMono.variable} h-full antialiased`}';
  if (!fontImport.test(before) || !fontConsts.test(before) || !before.includes(fontClasses)) {
    throw new Error(`removeGoogleFonts: ${layoutFile} does not look like the create-next-app template:\n${before}`);
  }
  const after = before.replace(fontImport, '').replace(fontConsts, '').replace(fontClasses, 'className="h-full antialiased"');
  if (after.includes('next/font') || after.includes('geist')) throw new Error(`removeGoogleFonts: fonts left in ${layoutFile}`);
  writeFileSync(layoutFile, after);
}

/** The app's own `next` CLI (one process to stop: no npx, no shell). */
function nextBin(dir: string): string {
  return join(dir, 'node_modules', 'next', 'dist', 'bin', 'next');
}

async function startNext(
  dir: string,
  opts: { env?: Record<string, string>; port?: number; readyPath?: string },
): Promise<RunningFreshApp> {
  const port = opts.port ?? (await freePort());
  const url = `http://localhost:${port}`;
  // -H 127.0.0.1: traffic stays on loopback; `localhost` resolves to it.
  const child = spawn(process.execPath, [nextBin(dir), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: dir,
    env: { ...baseEnv(), NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', PORT: String(port), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: TrackedProcess = track(child, 'fresh-app');
  try {
    await waitUntilReady(`${url}${opts.readyPath ?? '/'}`, proc, READY_TIMEOUT_MS);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error('startNext: no pid');
  return { url, port, pid: child.pid, output: proc.output, stop: proc.stop };
}

/** Runs a command without a shell; rejects with its output when it exits non-zero or times out. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...baseEnv(), NEXT_TELEMETRY_DISABLED: '1', npm_config_update_notifier: 'false', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) exited ${code ?? signal}\n${stdout}\n${stderr}`));
    });
  });
}
