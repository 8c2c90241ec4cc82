#!/usr/bin/env node
// `npm run demo:oidc`: the example app signing in through an OpenID provider. Starts three processes:
// the example identity provider (examples/oidc-provider, panva's oidc-provider), the example backend
// accepting that provider's access tokens (validated against its JWKS), and the example app
// (BFF_BACKEND=oidc, server-side sessions in memory so back-channel logout works).
//
//   PORT=3000 BACKEND_PORT=4000 OIDC_PORT=4010 npm run demo:oidc      (defaults shown)
//   OIDC_ACCESS_TOKEN_TTL=60    short access tokens, to watch refreshes (default 300)
//   BFF_SECRET=...  (else the dev secret in .data/demo-secret, as for `npm run demo`)
//
// Ctrl-C stops all three.
import { join } from 'node:path';
import { childGroup } from './lib/children.mjs';
import { demoSetup, startExampleApp } from './lib/demo-setup.mjs';
import { ROOT } from './lib/proc.mjs';

const CLIENT_ID = 'bffkit-example';
const API_RESOURCE = 'urn:bffkit:example-api';

async function main() {
  const setup = demoSetup('demo:oidc');
  const [appPort, backendPort, idpPort] = await setup.freePorts([['PORT', 3000], ['BACKEND_PORT', 4000], ['OIDC_PORT', 4010]]);
  await setup.buildIfStale();

  const { secret, source } = setup.devSecret('BFF_SECRET', 'demo-secret');
  const { secret: clientSecret } = setup.devSecret('OIDC_CLIENT_SECRET', 'demo-oidc-client-secret');
  const appUrl = `http://localhost:${appPort}`;
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const issuer = `http://localhost:${idpPort}`;

  const group = childGroup('demo:oidc');
  const idp = group.start('idp', [join(ROOT, 'examples/oidc-provider/server.mjs')], {
    cwd: join(ROOT, 'examples/oidc-provider'),
    env: { ...process.env, OIDC_PORT: String(idpPort), OIDC_ISSUER: issuer, OIDC_APP_URL: appUrl, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: clientSecret, OIDC_API_RESOURCE: API_RESOURCE },
  });
  if (!(await group.ready(idp, `${issuer}/.well-known/openid-configuration`, `identity provider at ${issuer}`))) return;

  const backend = group.start('backend', [join(ROOT, 'examples/backend-api/dist/server.js')], {
    cwd: join(ROOT, 'examples/backend-api'),
    env: { ...process.env, BACKEND_PORT: String(backendPort), OIDC_ISSUER: issuer, OIDC_JWKS_URL: `${issuer}/jwks`, OIDC_AUDIENCE: API_RESOURCE },
  });
  if (!(await group.ready(backend, `${backendUrl}/health`, `backend at ${backendUrl}`))) return;

  const app = startExampleApp(group, appPort, {
    APP_URL: appUrl,
    BACKEND_URL: backendUrl,
    BFF_SECRET: secret,
    BFF_BACKEND: 'oidc',
    // Server-side sessions: a back-channel logout from the provider can end them.
    BFF_SESSION_STORE: process.env.BFF_SESSION_STORE || 'memory',
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: clientSecret,
  });
  if (!(await group.ready(app, `${appUrl}/api/auth/session`, `app at ${appUrl}`))) return;

  console.log(`
  bffkit OpenID Connect demo is running

    App:       ${appUrl}        → "Sign in with the identity provider"
    Provider:  ${issuer}        (example identity provider; sign out there to see back-channel logout)
    Backend:   ${backendUrl}    (accepts the provider's access tokens; the browser never talks to it)
    Secret:    ${source}

    Sign in with  demo@example.com   / demo-password
             or   second@example.com / second-password

  Press Ctrl-C to stop.
`);
}

await main();
