/**
 * Audit events of the OpenID Connect routes in the running app: the example provider (a real
 * oidc-provider process), the example backend accepting its tokens, and the app signing in through
 * it with server-side sessions (BFF_SESSION_STORE=memory) so a back-channel logout can end them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, printedEvents, secretsOf, waitForEvent } from '../support/app-events';
import { TEST_SECRET } from '../support/app-process';
import { getJson } from '../support/http';
import { OIDC_CLIENT, signInThroughProvider, signOutAtProvider, startOidcStack, type OidcStack } from '../support/oidc-process';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };
let stack: OidcStack;
const cookieValues: string[] = [];

beforeAll(async () => {
  stack = await startOidcStack({ appEnv: { BFF_SESSION_STORE: 'memory' } });
});
afterAll(() => stack?.stop());

const mark = () => printedEvents(stack.app.output()).length;

describe('OpenID Connect audit events', () => {
  it('login.succeeded (oidc), backchannel_logout.received when the user signs out at the provider, then session.ended revoked', async () => {
    const from = mark();
    const { response, appJar, idpJar } = await signInThroughProvider(stack.app.url, DEMO);
    expect(response.status).toBe(303);
    cookieValues.push(...appJar.names().map((n) => appJar.get(n)!), ...idpJar.names().map((n) => idpJar.get(n)!));
    const login = await waitForEvent(stack.app, (e) => e.type === 'login.succeeded', { after: from });
    expect(login).toMatchObject({ method: 'oidc', outcome: 'success', userId: expect.any(String), sessionIdHash: expect.any(String) });

    await signOutAtProvider(`${stack.idp.issuer}/session/end`, idpJar);
    expect((await stack.idp.stats()).backchannel_success).toBe(1);
    const received = await waitForEvent(stack.app, (e) => e.type === 'backchannel_logout.received', { after: from });
    expect(received).toMatchObject({ sessionsEnded: 1, userId: login.userId, sessionIdHash: null, outcome: 'success' });

    const after = await getJson(`${stack.app.url}/api/auth/session`, { cookie: appJar });
    expect(await after.json()).toEqual({ status: 'unauthenticated' });
    await waitForEvent(stack.app, (e) => e.type === 'session.ended' && e.reason === 'revoked', { after: from });
  });

  it('backchannel_logout.refused for a token that does not verify', async () => {
    const from = mark();
    const res = await fetch(`${stack.app.url}/api/auth/oidc/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await waitForEvent(stack.app, (e) => e.type === 'backchannel_logout.refused', { after: from })).toMatchObject({ reason: 'rejected', outcome: 'failure' });
  });

  it('login.failed (oidc, invalid_response) for a callback without its transaction', async () => {
    const from = mark();
    const res = await fetch(`${stack.app.url}/api/auth/oidc/callback?code=stolen-code&state=guessed-state`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await waitForEvent(stack.app, (e) => e.type === 'login.failed', { after: from })).toMatchObject({ method: 'oidc', reason: 'invalid_response' });
  });

  it('no event holds a token, password, cookie value or secret', () => {
    const events = printedEvents(stack.app.output());
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['login.succeeded', 'backchannel_logout.received', 'backchannel_logout.refused', 'login.failed']));
    expectNoSecrets(events, secretsOf(cookieValues, [TEST_SECRET, OIDC_CLIENT.secret, DEMO.password, 'stolen-code', 'guessed-state']));
  });
});
