import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { loadConfig } from './config';
import { createDeps } from './deps';

/** After SIGTERM, in-flight requests get this long before connections are cut. */
const SHUTDOWN_GRACE_MS = 2000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { deps, db } = await createDeps(config);
  const app = createApp(deps);

  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: config.port }, (info: AddressInfo) => {
    console.log(`example backend listening on http://127.0.0.1:${info.port}`);
  });
  server.on('error', (err) => {
    console.error(`example backend failed to listen: ${err.message}`);
    process.exit(1);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`example backend stopping (${signal})`);
    const http = server as import('node:http').Server;
    const force = setTimeout(() => http.closeAllConnections?.(), SHUTDOWN_GRACE_MS);
    force.unref();
    http.close(() => {
      db.close();
      process.exit(0);
    });
    http.closeIdleConnections?.();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`example backend failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
