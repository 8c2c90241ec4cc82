/**
 * The example identity provider (panva's oidc-provider, a certified OpenID Provider) for the bffkit
 * example app: `node examples/oidc-provider/server.mjs`. Development only: in-memory state, keys
 * generated at start, demo accounts from accounts.mjs. Binds 127.0.0.1.
 */
import { createServer } from 'node:http';
import { loadConfig } from './config.mjs';
import { handleInteraction } from './interactions.mjs';
import { createProvider } from './provider.mjs';
import { createStats } from './stats.mjs';

// oidc-provider warns once about its development defaults (in-memory adapter): expected here.
const config = loadConfig(process.env);
const provider = await createProvider(config);
const stats = createStats(provider);
const callback = provider.callback();

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', config.issuer);
  if (await handleInteraction(provider, req, res, url, config)) return;
  if (config.statsEnabled && url.pathname === '/__stats' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(stats.read()));
    return;
  }
  if (config.statsEnabled && url.pathname === '/__stats/reset' && req.method === 'POST') {
    stats.reset();
    res.writeHead(204).end();
    return;
  }
  callback(req, res);
});

server.on('error', (error) => {
  console.error(`oidc provider failed to listen: ${error.message}`);
  process.exit(1);
});
server.listen(config.port, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`oidc provider listening on http://127.0.0.1:${port} (issuer ${config.issuer}, client ${config.clientId} for ${config.appUrl})`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
  });
}
