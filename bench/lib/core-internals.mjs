// bffkit's SessionCookie is internal (not exported by the package). To measure its read with the
// decrypted-cookie cache bypassed, the bench bundles it from the sources (esbuild, already installed
// with the workspace) into bench/.cache/ and constructs it exactly as createBff does.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './procs.mjs';

export async function loadSessionCookie() {
  const { build } = await import('esbuild');
  const outfile = join(ROOT, 'bench/.cache/session-cookie.mjs');
  mkdirSync(join(ROOT, 'bench/.cache'), { recursive: true });
  await build({
    stdin: {
      contents:
        "export { SessionCookie } from './packages/bffkit/src/core/session/session-cookie';\n" +
        "export { resolveConfig } from './packages/bffkit/src/core/config';\n",
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}
