#!/usr/bin/env node
// `npm run demo:oidc`: the example app signing in through an OpenID provider. Starts four processes:
// the example identity provider (examples/oidc-provider, panva's oidc-provider) with two sign-in levels
// (step-up) and a second API, the example backend accepting that provider's access tokens (validated
// against its JWKS), the same backend as the billing API (its own audience), and the example app
// (BFF_BACKEND=oidc, server-side sessions in memory so back-channel logout works).
//
//   PORT=3000 BACKEND_PORT=4000 BILLING_PORT=4001 OIDC_PORT=4010 npm run demo:oidc      (defaults shown)
//   npm run demo:oidc -- --fapi   the FAPI 2.0 profile: PAR, private_key_jwt (a key pair made for this
//                                 run), DPoP-bound tokens, the iss response parameter
//   OIDC_ACCESS_TOKEN_TTL=60    short access tokens, to watch refreshes (default 300)
//   BFF_SECRET=...  (else the dev secret in .data/demo-secret, as for `npm run demo`)
//
// Ctrl-C stops all three.
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { childGroup } from './lib/children.mjs';
import { demoSetup, startExampleApp } from './lib/demo-setup.mjs';
import { ROOT } from './lib/proc.mjs';

const CLIENT_ID = 'bffkit-example';
const API_RESOURCE = 'urn:bffkit:example-api';
const BILLING_RESOURCE = 'urn:bffkit:billing-api';
const FAPI = process.argv.includes('--fapi');

/** A private_key_jwt key pair for this run: the provider gets the public half, the app the private one. */
async function clientKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'demo-client-key';
  return { publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' } };
}

async function main() {
  const setup = demoSetup('demo:oidc');
  const [appPort, backendPort, billingPort, idpPort] = await setup.freePorts([['PORT', 3000], ['BACKEND_PORT', 4000], ['BILLING_PORT', 4001], ['OIDC_PORT', 4010]]);
  await setup.buildIfStale();

  const { secret, source } = setup.devSecret('BFF_SECRET', 'demo-secret');
  const { secret: clientSecret } = setup.devSecret('OIDC_CLIENT_SECRET', 'demo-oidc-client-secret');
  const appUrl = `http://localhost:${appPort}`;
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const billingUrl = `http://127.0.0.1:${billingPort}`;
  const issuer = `http://localhost:${idpPort}`;
  const key = FAPI ? await clientKey() : undefined;

  const group = childGroup('demo:oidc');
  const idp = group.start('idp', [join(ROOT, 'examples/oidc-provider/server.mjs')], {
    cwd: join(ROOT, 'examples/oidc-provider'),
    env: {
      ...process.env, OIDC_PORT: String(idpPort), OIDC_ISSUER: issuer, OIDC_APP_URL: appUrl, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: clientSecret,
      OIDC_API_RESOURCE: API_RESOURCE, OIDC_BILLING_RESOURCE: BILLING_RESOURCE, OIDC_STEP_UP: '1',
      ...(key ? { OIDC_PROFILE: 'fapi2', OIDC_CLIENT_JWKS: JSON.stringify({ keys: [key.publicJwk] }) } : {}),
    },
  });
  if (!(await group.ready(idp, `${issuer}/.well-known/openid-configuration`, `identity provider at ${issuer}`))) return;

  const backend = group.start('backend', [join(ROOT, 'examples/backend-api/dist/server.js')], {
    cwd: join(ROOT, 'examples/backend-api'),
    env: { ...process.env, BACKEND_PORT: String(backendPort), OIDC_ISSUER: issuer, OIDC_JWKS_URL: `${issuer}/jwks`, OIDC_AUDIENCE: API_RESOURCE },
  });
  if (!(await group.ready(backend, `${backendUrl}/health`, `backend at ${backendUrl}`))) return;
  const billing = group.start('billing', [join(ROOT, 'examples/backend-api/dist/server.js')], {
    cwd: join(ROOT, 'examples/backend-api'),
    env: { ...process.env, BACKEND_PORT: String(billingPort), API_ROLE: 'billing', OIDC_ISSUER: issuer, OIDC_JWKS_URL: `${issuer}/jwks`, OIDC_AUDIENCE: BILLING_RESOURCE },
  });
  if (!(await group.ready(billing, `${billingUrl}/health`, `billing API at ${billingUrl}`))) return;

  const app = startExampleApp(group, appPort, {
    APP_URL: appUrl,
    BACKEND_URL: backendUrl,
    BFF_SECRET: secret,
    BFF_BACKEND: 'oidc',
    // Server-side sessions: a back-channel logout from the provider can end them.
    BFF_SESSION_STORE: process.env.BFF_SESSION_STORE || 'memory',
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    ...(key ? { OIDC_PROFILE: 'fapi2', OIDC_CLIENT_KEY: JSON.stringify(key.privateJwk) } : { OIDC_CLIENT_SECRET: clientSecret }),
    // Both APIs at sign-in; the billing API's token comes by refresh with its resource indicator.
    BILLING_URL: billingUrl,
    OIDC_RESOURCE: `${API_RESOURCE} ${BILLING_RESOURCE}`,
    OIDC_SCOPES: 'openid profile email offline_access api billing',
  });
  if (!(await group.ready(app, `${appUrl}/api/auth/session`, `app at ${appUrl}`))) return;

  console.log(`
  bffkit OpenID Connect demo is running

    App:       ${appUrl}        → "Sign in with the identity provider"${FAPI ? '   (FAPI 2.0 profile: PAR, private_key_jwt, DPoP)' : ''}
    Provider:  ${issuer}        (example identity provider; sign out there to see back-channel logout)
    Backend:   ${backendUrl}    (accepts the provider's access tokens; the browser never talks to it)
    Billing:   ${billingUrl}    (a second API with its own audience: the /billing page)
    Payments:  ${appUrl}/payments   (step-up: the second factor is 123456)
    Secret:    ${source}

    Sign in with  demo@example.com   / demo-password
             or   second@example.com / second-password

  Press Ctrl-C to stop.
`);
}

await main();
