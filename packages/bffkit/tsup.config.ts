import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  format: ['esm'],
  dts: true,
  target: 'node20',
  // No source maps: dist is plain, unminified ESM, so stack traces already point at readable code,
  // and maps with sourcesContent would ship the sources a second time (about two thirds of the
  // unpacked size). The tarball's contents are asserted by tests/integration/package.test.ts.
  sourcemap: false,
  treeshake: true,
  external: ['next', 'react', 'react-dom', 'ioredis', 'server-only'],
};

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts', 'next/index': 'src/next/index.ts', 'redis/index': 'src/redis/index.ts' },
    splitting: true,
  },
  {
    // The `bffkit` executable (npx bffkit check-backend): one self-contained file with a shebang.
    ...shared,
    entry: { 'cli/bin': 'src/cli/bin.ts' },
    dts: false,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // The client entry keeps its "use client" directive (bundling would otherwise drop it).
    ...shared,
    entry: { 'react/index': 'src/react/index.tsx' },
    banner: { js: "'use client';" },
    // Rollup's tree-shaking pass drops module directives; esbuild alone keeps the banner.
    treeshake: false,
  },
]);
