// bffkit's SessionCookie and session strategies are internal (not exported by the package). To
// measure a read with the decrypted-cookie cache bypassed, the bench bundles them from the sources
// (esbuild, already installed with the workspace) into bench/.cache/ and constructs them exactly as
// createBff does (createContext).
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
        "export { chooseSessionStrategy } from './packages/bffkit/src/core/session/strategy';\n" +
        "export { SealedCache } from './packages/bffkit/src/core/session/sealed-cache';\n" +
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
