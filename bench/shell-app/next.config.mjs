// The page-shell benchmark's app (bench/page-shell.mjs): Cache Components and Partial Prefetching on,
// as create-next-app 16.4 makes apps. Two root layouts: (static) has no session at all, (app) is the
// README's layout (SessionProvider seeded with the unawaited bff.getSession()).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** @type {import('next').NextConfig} */
const nextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
  poweredByHeader: false,
  cacheComponents: true,
  partialPrefetching: true,
};

export default nextConfig;
