/**
 * The fresh-app harness (tests/support/fresh-app.ts) does what a new user does: create-next-app
 * 16.4.3 with its defaults (Cache Components and Partial Prefetching on), in both shapes, with the
 * packed library installed, built and started. The template is otherwise untouched here: this
 * proves the harness, the README-driven apps build on it.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_DIR, createFreshApp, packLibrary, templateDir, type AppShape, type FreshApp } from '../support/fresh-app';

const STEP_TIMEOUT_MS = 10 * 60 * 1000;

let tarball: string;

beforeAll(async () => {
  tarball = await packLibrary();
}, STEP_TIMEOUT_MS);

describe.each<AppShape>(['root', 'src'])('a fresh create-next-app app (%s shape) with the packed bffkit', (shape) => {
  let app: FreshApp;

  beforeAll(async () => {
    app = await createFreshApp(shape);
  }, STEP_TIMEOUT_MS);

  afterAll(async () => {
    console.log(`fresh-app ${shape}: ${JSON.stringify(app?.timings)}`);
    await app?.remove();
  });

  it('keeps the template defaults: Cache Components and Partial Prefetching on, no Google font', async () => {
    const config = await app.read('next.config.ts');
    expect(config).toMatch(/cacheComponents: true/);
    expect(config).toMatch(/partialPrefetching: true/);
    const layout = await app.read(shape === 'src' ? 'src/app/layout.tsx' : 'app/layout.tsx');
    expect(layout).not.toContain('next/font');
    expect(layout).toContain('<body');
    const pkg = JSON.parse(await app.read('package.json')) as { type?: string; dependencies: Record<string, string> };
    // No "type" (or "module"): "type": "commonjs" would break Turbopack builds of ESM files.
    expect(pkg.type === undefined || pkg.type === 'module').toBe(true);
    expect(pkg.dependencies.next).toBe('16.4.3');
  });

  it('installs the tarball as a real package, not a link to the workspace', async () => {
    await app.install(tarball);
    const installed = join(app.dir, 'node_modules', 'bffkit');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    const version = (JSON.parse(readFileSync(join(LIBRARY_DIR, 'package.json'), 'utf8')) as { version: string }).version;
    expect((JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }).version).toBe(version);
    expect(existsIn(installed, 'src')).toBe(false);
    // The cached template (node_modules hard-linked into this app) is untouched by the install.
    expect(existsIn(join(templateDir(shape), 'node_modules'), 'bffkit')).toBe(false);
    expect(readFileSync(join(templateDir(shape), 'node_modules', '.package-lock.json'), 'utf8')).not.toContain('bffkit');
    expect(readFileSync(join(templateDir(shape), 'package.json'), 'utf8')).not.toContain('bffkit');
    // The root entry loads from the app's folder (ESM, the packed dist).
    const probe = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('bffkit'); console.log(Object.keys(m).length > 0);"],
      { cwd: app.dir, encoding: 'utf8' },
    );
    expect(probe.stderr).toBe('');
    expect(probe.stdout.trim()).toBe('true');
  }, STEP_TIMEOUT_MS);

  it('builds with next build and serves / with 200 under next start', async () => {
    const output = await app.build();
    expect(output).toContain('Cache Components enabled');
    expect(output).toContain('Partial Prefetching enabled');
    const server = await app.start();
    try {
      const res = await fetch(`${server.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('To get started, edit the');
    } finally {
      await server.stop();
    }
    expect(isAlive(server.pid)).toBe(false);
  }, STEP_TIMEOUT_MS);
});

function existsIn(dir: string, name: string): boolean {
  try {
    lstatSync(join(dir, name));
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
