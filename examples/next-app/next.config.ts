import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');

const nextConfig: NextConfig = {
  // The monorepo root, where node_modules (and the bffkit workspace link) live.
  turbopack: { root },
  outputFileTracingRoot: root,
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
