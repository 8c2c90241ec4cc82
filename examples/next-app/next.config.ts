import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const dir = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(dir, '../..');

/**
 * The example is built twice from the same sources (npm run build):
 * - by default the way `create-next-app` 16.4 makes new apps: Cache Components and Partial
 *   Prefetching on, into `.next/`;
 * - with BFF_EXAMPLE_CLASSIC=1 (at build AND start) both off, into `.next-classic/`: how most
 *   existing apps run. The tests run the login, refresh and forwarding e2e against both.
 * The few files that differ per mode are `*.cc.tsx` and `*.classic.tsx` (Next reads only the
 * mode's own, see pageExtensions): `export const instant` and `'use cache'` exist only with Cache
 * Components, and are build errors without them. An app built in one mode needs none of this.
 */
const classic = process.env.BFF_EXAMPLE_CLASSIC === '1';

const nextConfig: NextConfig = {
  // The monorepo root, where node_modules (and the bffkit workspace link) live.
  turbopack: { root },
  outputFileTracingRoot: root,
  distDir: classic ? '.next-classic' : '.next',
  pageExtensions: classic ? ['classic.tsx', 'tsx', 'ts'] : ['cc.tsx', 'tsx', 'ts'],
  cacheComponents: !classic,
  partialPrefetching: !classic,
  // `unauthorized()` and `forbidden()` (see app/notes/page.tsx, app/unauthorized.tsx).
  experimental: { authInterrupts: true },
  // Next's own in-memory 'use cache' store, recording what it is given when a test asks for it
  // (lib/cache-handler.cjs). A shared store (Redis, …) would plug in here for several instances.
  ...(classic ? {} : { cacheHandlers: { default: path.join(dir, 'lib/cache-handler.cjs') } }),
  poweredByHeader: false,
  // proxy.ts sees the request as sent, with Next's navigation headers (RSC, Next-Router-State-Tree,
  // Next-Router-Prefetch): its request guard must see a malformed router state tree to answer 400
  // instead of the 500 Next would give (Next strips those headers from the proxy's request otherwise).
  // Side effects: request.url keeps Next's `_rsc` query parameter, and redirects the proxy answers keep
  // their absolute Location.
  skipProxyUrlNormalize: true,
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
        ],
      },
    ];
  },
};

export default nextConfig;
