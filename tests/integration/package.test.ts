/**
 * The package as npm publishes it: what `npm pack` puts in the tarball (the built ESM entry points,
 * their types, README, LICENSE, package.json; no sources, tests, fixtures or source maps), its
 * metadata, and publint at the strictest level. Needs the built library (`npm run build -w
 * packages/bffkit`; `npm test` builds it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/app-process';

const PKG_DIR = join(REPO_ROOT, 'packages', 'bffkit');

type PackFile = { path: string; size: number };
type PackInfo = { name: string; files: PackFile[] };
type PackageJson = {
  name: string;
  type?: string;
  license?: string;
  homepage?: string;
  repository?: { type: string; url: string; directory?: string };
  bugs?: { url: string };
  keywords?: string[];
  engines?: { node?: string };
  files?: string[];
  exports: Record<string, { types: string; import: string }>;
};

/**
 * Every file the tarball may hold, with content-hashed names (tsup's shared chunks) written as
 * `<shared>`: the list is exact apart from those hashes.
 */
const EXPECTED = [
  'LICENSE',
  'README.md',
  'dist/<shared>.d.ts',
  // The OpenID Connect adapter with oauth4webapi: a chunk loaded only by oidcBackend's first call.
  'dist/adapter-<lazy>.js',
  'dist/chunk-<shared>.js',
  // The `bffkit` command (npx bffkit check-backend, init): a bin, no types.
  'dist/cli/bin.js',
  'dist/index.d.ts',
  'dist/index.js',
  'dist/next/index.d.ts',
  'dist/next/index.js',
  'dist/react/index.d.ts',
  'dist/react/index.js',
  'dist/redis/index.d.ts',
  'dist/redis/index.js',
  'package.json',
];

/** `dist/chunk-AC7BKXEY.js` → `dist/chunk-<shared>.js`; `dist/store-p0vmYNMY.d.ts` → `dist/<shared>.d.ts`. */
function normalise(path: string): string {
  return path
    .replace(/^dist\/chunk-[A-Z0-9]+\.js$/, 'dist/chunk-<shared>.js')
    .replace(/^dist\/adapter-[A-Z0-9]+\.js$/, 'dist/adapter-<lazy>.js')
    .replace(/^dist\/[a-z-]+-[A-Za-z0-9_-]{8}\.d\.ts$/, 'dist/<shared>.d.ts');
}

let pack: PackInfo;
let pkg: PackageJson;

beforeAll(() => {
  if (!existsSync(join(PKG_DIR, 'dist', 'index.js'))) {
    throw new Error('packages/bffkit/dist is missing. Build first: `npm run build -w packages/bffkit`.');
  }
  pack = (JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PKG_DIR, encoding: 'utf8' })) as PackInfo[])[0]!;
  pkg = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as PackageJson;
});

describe('the published bffkit package', () => {
  it('packs exactly the built entry points, their types, README, LICENSE and package.json', () => {
    const paths = pack.files.map((f) => f.path);
    expect([...new Set(paths.map(normalise))].sort()).toEqual(EXPECTED);
    // Nothing from the source tree, the tests or their fixtures, and no source maps.
    for (const path of paths) {
      expect(path).not.toMatch(/(^|\/)src\/|\.test\.|fixtures|\.map$|\.tsbuildinfo$|\.tgz$/);
    }
  });

  it('ships JavaScript without source map references (no maps to point at)', () => {
    for (const { path } of pack.files.filter((f) => f.path.endsWith('.js'))) {
      expect(readFileSync(join(PKG_DIR, path), 'utf8'), path).not.toContain('sourceMappingURL');
    }
  });

  it('has an entry point for each subpath: ESM only, with types, and every file packed', () => {
    const paths = new Set(pack.files.map((f) => f.path));
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.exports)).toEqual(['.', './next', './react', './redis']);
    for (const target of Object.values(pkg.exports)) {
      expect(Object.keys(target)).toEqual(['types', 'import']); // no `require`: ESM only
      expect(paths.has(target.types.replace(/^\.\//, ''))).toBe(true);
      expect(paths.has(target.import.replace(/^\.\//, ''))).toBe(true);
    }
  });

  it('carries the metadata a registry page needs', () => {
    expect(pkg.license).toBe('MIT');
    expect(pkg.engines?.node).toBe('>=20.9');
    expect(pkg.keywords?.length).toBeGreaterThan(3);
    expect(pkg.repository).toMatchObject({ type: 'git', directory: 'packages/bffkit' });
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs?.url).toMatch(/^https:\/\//);
    // The root engines and the package's agree.
    const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
    expect(pkg.engines).toEqual(root.engines);
  });

  it('ships the repository LICENSE (MIT, the bffkit authors) and a README that links to the full docs', () => {
    const license = readFileSync(join(PKG_DIR, 'LICENSE'), 'utf8');
    expect(license).toBe(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'));
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the bffkit authors\n/);
    const readme = readFileSync(join(PKG_DIR, 'README.md'), 'utf8');
    expect(readme).toContain('npm install bffkit');
    expect(readme).toContain('## ESM only');
    for (const entry of ['`bffkit`', '`bffkit/next`', '`bffkit/react`', '`bffkit/redis`']) expect(readme).toContain(entry);
    expect(readme).toContain(`(${pkg.homepage})`);
  });

  it('is publint clean at the suggestion level, strict', async () => {
    const { messages, pkg: linted } = await publint({ pkgDir: PKG_DIR, level: 'suggestion', pack: 'npm', strict: true });
    expect(messages.map((m) => formatMessage(m, linted) ?? m.code)).toEqual([]);
  });
});

describe('what the package loads', () => {
  // A module hook reports every import of oauth4webapi; the script then uses the built package the way
  // a credentials-only app does, and afterwards the way an OpenID Connect app does.
  const HOOK = `
    export async function resolve(specifier, context, next) {
      if (specifier === 'oauth4webapi') process.stderr.write('LOADED oauth4webapi\\n');
      return next(specifier, context);
    }`;
  const script = (oidc: boolean) => `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));
    const { createBff, credentialsBackend, oidcBackend } = await import(${JSON.stringify(join(PKG_DIR, 'dist', 'index.js'))});
    const backend = ${oidc ? "oidcBackend({ issuer: 'http://127.0.0.1:9', clientId: 'c', clientSecret: 's', timeout: 1 })" : "credentialsBackend({ url: 'http://127.0.0.1:9' })"};
    const bff = createBff({ secret: 'a-package-test-secret-long-enough-0123456789', baseUrl: 'http://localhost:3000', backend,
      upstreams: { api: { url: 'http://127.0.0.1:9', mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } } });
    await bff.handleAuth(new Request('http://localhost:3000/api/auth/session'));
    await bff.forward(new Request('http://localhost:3000/api/backend/notes'), 'api');
    ${oidc ? "await bff.handleAuth(new Request('http://localhost:3000/api/auth/oidc/login'));" : ''}
    process.stderr.write('DONE\\n');`;
  const stderrOf = (oidc: boolean): string => spawnSync(process.execPath, ['--input-type=module', '-e', script(oidc)], { encoding: 'utf8' }).stderr;

  it('never loads the OAuth client (oauth4webapi) for an app with a credentials backend', () => {
    const stderr = stderrOf(false);
    expect(stderr).toContain('DONE');
    expect(stderr).not.toContain('LOADED oauth4webapi');
  });

  it('loads it on the first call of an OpenID Connect backend', () => {
    const stderr = stderrOf(true);
    expect(stderr).toContain('DONE');
    expect(stderr).toContain('LOADED oauth4webapi');
  });
});
