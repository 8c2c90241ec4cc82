#!/usr/bin/env node
// `npm run demo`: builds what is missing, then runs the example backend and the example app.
//
//   PORT=3000 BACKEND_PORT=4000 npm run demo      (defaults shown)
//   BFF_SECRET=...  (else a random dev secret is kept in .data/demo-secret)
//
// Ctrl-C stops both processes.
import { join } from 'node:path';
import { childGroup } from './lib/children.mjs';
import { demoSetup, startExampleApp } from './lib/demo-setup.mjs';
import { ROOT } from './lib/proc.mjs';

async function main() {
  const setup = demoSetup('demo');
  const [appPort, backendPort] = await setup.freePorts([['PORT', 3000], ['BACKEND_PORT', 4000]]);
  await setup.buildIfStale();

  const { secret, source } = setup.devSecret('BFF_SECRET', 'demo-secret');
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const appUrl = `http://localhost:${appPort}`;

  const group = childGroup('demo');
  const backend = group.start('backend', [join(ROOT, 'examples/backend-api/dist/server.js')], {
    cwd: join(ROOT, 'examples/backend-api'),
    env: { ...process.env, BACKEND_PORT: String(backendPort) },
  });
  if (!(await group.ready(backend, `${backendUrl}/.well-known/jwks.json`, `backend at ${backendUrl}`))) return;

  const app = startExampleApp(group, appPort, { APP_URL: appUrl, BACKEND_URL: backendUrl, BFF_SECRET: secret });
  if (!(await group.ready(app, `${appUrl}/api/auth/session`, `app at ${appUrl}`))) return;

  console.log(`
  bffkit demo is running

    App:      ${appUrl}
    Backend:  ${backendUrl}   (the example API; the browser never talks to it)
    Secret:   ${source}

    Sign in with  demo@example.com   / demo-password
             or   second@example.com / second-password

  Press Ctrl-C to stop.
`);
}

await main();
