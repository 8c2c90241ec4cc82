// Decides whether the built artefacts (library dist, backend dist, Next app .next) are missing
// or older than their sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './proc.mjs';

const SKIP_DIRS = new Set(['node_modules', '.next', '.next-classic', 'dist', '.turbo', '.git']);
// Files the build itself (re)writes: they must not make a fresh build look stale.
const SKIP_FILES = /(\.tsbuildinfo|^next-env\.d\.ts)$/;

/** Newest mtime (ms) of the files under the given paths (files or directories), 0 if none. */
function newest(paths) {
  let max = 0;
  const walk = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (!SKIP_DIRS.has(name)) walk(join(p, name));
    } else if (!SKIP_FILES.test(p.slice(p.lastIndexOf('/') + 1)) && st.mtimeMs > max) max = st.mtimeMs;
  };
  for (const p of paths) walk(p);
  return max;
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * The artefacts that need (re)building, as human-readable reasons; empty when all are fresh.
 *
 * @example
 * const reasons = staleArtefacts(); // ['examples/next-app/.next is missing']
 */
export function staleArtefacts() {
  const lib = join(ROOT, 'packages/bffkit');
  const backend = join(ROOT, 'examples/backend-api');
  const app = join(ROOT, 'examples/next-app');
  const checks = [
    {
      name: 'packages/bffkit/dist',
      artefact: join(lib, 'dist/index.js'),
      sources: [join(lib, 'src'), join(lib, 'package.json'), join(lib, 'tsup.config.ts')],
    },
    {
      name: 'examples/backend-api/dist',
      artefact: join(backend, 'dist/server.js'),
      sources: [join(backend, 'src'), join(backend, 'package.json')],
    },
    {
      name: 'examples/next-app/.next',
      artefact: join(app, '.next/BUILD_ID'),
      // The whole app directory (minus .next/node_modules) plus the library it bundles.
      sources: [app, join(lib, 'dist')],
    },
    {
      // The same app built with Cache Components off (BFF_EXAMPLE_CLASSIC=1, see its next.config.ts).
      name: 'examples/next-app/.next-classic',
      artefact: join(app, '.next-classic/BUILD_ID'),
      sources: [app, join(lib, 'dist')],
    },
  ];
  const reasons = [];
  for (const c of checks) {
    if (!existsSync(c.artefact)) reasons.push(`${c.name} is missing`);
    else if (newest(c.sources) > mtime(c.artefact)) reasons.push(`${c.name} is older than its sources`);
  }
  return reasons;
}
