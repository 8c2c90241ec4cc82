// The benchmark's own tiny Next.js app (route handlers only), built by bench/run.mjs.
// BENCH_BACKEND_URL is read at BUILD time: Next bakes rewrites() into .next/routes-manifest.json,
// so run.mjs records the backend port it built for and rebuilds when that port is not free.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const backend = process.env.BENCH_BACKEND_URL ?? 'http://127.0.0.1:4000';

/** @type {import('next').NextConfig} */
const nextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
  poweredByHeader: false,
  // BENCH_PROFILE=1 keeps server function names readable in `node --cpu-prof` profiles.
  experimental: { serverMinification: process.env.BENCH_PROFILE !== '1' },
  async rewrites() {
    // Next's own proxying, no auth: the "rewrites()" contender (the client sends the bearer token).
    return [{ source: '/rw/:path*', destination: `${backend}/:path*` }];
  },
};

export default nextConfig;
