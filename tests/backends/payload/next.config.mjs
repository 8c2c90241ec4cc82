import { fileURLToPath } from 'node:url';
import { withPayload } from '@payloadcms/next/withPayload';

const here = fileURLToPath(new URL('.', import.meta.url));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // This folder has its own node_modules and lockfile: keep Next from treating the repo root as the workspace.
  turbopack: { root: here },
  outputFileTracingRoot: here,
};

export default withPayload(nextConfig);
