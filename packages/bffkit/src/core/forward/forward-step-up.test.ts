import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startRecordingUpstream, type RecordingUpstream } from '../../../../../tests/support/recording-upstream';
import { bearer, type CallCredential } from '../credential/credential';
import { generateDpopKey } from '../dpop/keys';
import { DpopHandles } from '../dpop/handles';
import { forwardRequest, type ForwardContext } from './forward';
import { resolveUpstream, type UpstreamOptions } from './upstream';

let up: RecordingUpstream;
beforeEach(async () => void (up = await startRecordingUpstream()));
afterEach(async () => up.close());

const base: ForwardContext = { credential: bearer('tok'), clientIp: '203.0.113.7', appUrl: new URL('https://app.example.com') };
const upstreamFor = (extra: Partial<UpstreamOptions> = {}) =>
  resolveUpstream('api', { url: up.url, mount: '/api/backend', allow: [{ path: '/payments', methods: ['POST'] }, { path: '/notes', methods: ['GET'] }], ...extra });
const pay = () => new Request('http://localhost:3000/api/backend/payments', { method: 'POST', body: '{"amount":1}', headers: { 'content-type': 'application/json' } });

describe('forwarding: step-up challenges (RFC 9470)', () => {
  it("answers an upstream's insufficient_user_authentication with step_up_required, without retrying or refreshing", async () => {
    up.setHandler((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="insufficient_user_authentication", acr_values="urn:mfa urn:hwk", max_age="300"', 'content-type': 'application/json' });
      res.end('{"code":"insufficient_user_authentication","secret":"upstream detail"}');
    });
    const onUnauthorized = vi.fn(async () => bearer('fresh'));
    const res = await forwardRequest(pay(), upstreamFor(), { ...base, onUnauthorized });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'step_up_required', message: expect.any(String), acrValues: ['urn:mfa', 'urn:hwk'], maxAge: 300, signIn: 'redirect' });
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(onUnauthorized).not.toHaveBeenCalled();
    expect(up.requests).toHaveLength(1);
  });

  it('recognises a configured equivalent (status + JSON code) for backends without RFC 9470, and passes other 403s through', async () => {
    let body = '{"code":"mfa_required","acr_values":"urn:mfa","max_age":60}';
    up.setHandler((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(body);
    });
    const upstream = upstreamFor({ stepUp: { status: 403, code: 'mfa_required' } });
    const onStepUp = vi.fn((c: { acrValues: string[]; maxAge?: number }) => Response.json({ code: 'step_up_required', ...c, signIn: 'form' }, { status: 401 }));
    const res = await forwardRequest(pay(), upstream, { ...base, onStepUp });
    expect(res.status).toBe(401);
    expect(onStepUp).toHaveBeenCalledWith({ acrValues: ['urn:mfa'], maxAge: 60 });
    body = '{"code":"forbidden"}';
    const other = await forwardRequest(pay(), upstream, { ...base, onStepUp });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ code: 'forbidden' });
  });

  it('refuses a configured rule that is not a 4xx with a code', () => {
    expect(() => upstreamFor({ stepUp: { status: 302, code: 'x' } })).toThrow(/upstreams\.api\.stepUp/);
    expect(() => upstreamFor({ stepUp: { status: 403, code: '' } })).toThrow(/upstreams\.api\.stepUp/);
  });
});

describe('forwarding: DPoP', () => {
  it('sends Authorization: DPoP with a proof (htm, htu, ath), retries once on use_dpop_nonce with the nonce, then keeps using it', async () => {
    const key = await generateDpopKey();
    const credential: CallCredential = { token: 'bound-token', scheme: 'DPoP', dpopKey: key };
    let calls = 0;
    up.setHandler((req, res) => {
      calls += 1;
      const proof = JSON.parse(Buffer.from(String(req.headers.dpop).split('.')[1]!, 'base64url').toString()) as { nonce?: string };
      if (proof.nonce !== 'n-1') {
        res.writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' });
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json', 'dpop-nonce': 'n-1' });
      res.end('[]');
    });
    const dpop = new DpopHandles();
    const get = () => new Request('http://localhost:3000/api/backend/notes');
    const first = await forwardRequest(get(), upstreamFor(), { ...base, credential, dpop });
    expect(first.status).toBe(200);
    expect(calls).toBe(2);
    const sent = up.requests[1]!;
    expect(sent.headers.authorization).toBe('DPoP bound-token');
    const claims = JSON.parse(Buffer.from(String(sent.headers.dpop).split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ htm: 'GET', htu: `${up.url}/notes`, nonce: 'n-1', ath: expect.any(String) });
    expect(sent.headers['user-agent']).toBeUndefined();
    // The nonce is remembered: the next call is accepted at once.
    await forwardRequest(get(), upstreamFor(), { ...base, credential, dpop });
    expect(calls).toBe(3);
    // The nonce is for bffkit's next proof, not for the browser.
    expect(first.headers.get('dpop-nonce')).toBeNull();
  });
});
