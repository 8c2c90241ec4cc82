import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROOF_MAX_AGE, createDpopVerifier, type DpopVerifier } from './dpop';

const ORIGIN = 'http://127.0.0.1:4000';
const URL_NOTES = `${ORIGIN}/notes`;
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

interface Keys {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function keys(): Promise<Keys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

let clock = 1_800_000_000;
const now = () => clock;

function proof(k: Keys, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ htm: 'GET', htu: URL_NOTES, iat: clock, jti: randomUUID(), ath: ath(TOKEN), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk, ...header })
    .sign(k.privateKey);
}

const input = (p: string | null, k: Keys, extra: Partial<Parameters<DpopVerifier['verify']>[0]> = {}) => ({
  proof: p,
  method: 'GET',
  url: URL_NOTES,
  accessToken: TOKEN,
  jkt: k.jkt,
  ...extra,
});

let key: Keys;
beforeAll(async () => {
  key = await keys();
});

describe('createDpopVerifier', () => {
  it('accepts a proof for this request, key, token and time', async () => {
    const dpop = createDpopVerifier({ origins: [ORIGIN], now });
    const check = await dpop.verify(input(await proof(key), key, { url: `${URL_NOTES}?page=2` }));
    expect(check).toMatchObject({ ok: true, jkt: key.jkt });
  });

  it('refuses a replayed proof (same jti), and remembers it only after every other check passed', async () => {
    const dpop = createDpopVerifier({ origins: [ORIGIN], now });
    const p = await proof(key);
    expect((await dpop.verify(input(p, key, { method: 'POST' }))).ok).toBe(false);
    expect(dpop.remembered()).toBe(0);
    expect((await dpop.verify(input(p, key))).ok).toBe(true);
    expect(await dpop.verify(input(p, key))).toMatchObject({ ok: false, error: 'invalid_dpop_proof', description: expect.stringContaining('jti') });
  });

  it('refuses a proof for another method, path or origin, whatever the request claims to be', async () => {
    const dpop = createDpopVerifier({ origins: [ORIGIN], now });
    const cases: [Record<string, unknown>, string][] = [
      [{ htm: 'POST' }, 'htm'],
      [{ htu: `${ORIGIN}/notes/1` }, 'htu'],
      [{ htu: 'http://evil.example/notes' }, 'htu'],
      [{ htu: 'not a url' }, 'htu'],
      [{ htu: undefined }, 'htu'],
    ];
    for (const [claims, what] of cases) {
      const check = await dpop.verify(input(await proof(key, claims), key));
      expect(check, JSON.stringify(claims)).toMatchObject({ ok: false, error: 'invalid_dpop_proof', description: expect.stringContaining(what) });
    }
    // A request that reached us under another Host: its URL names that host, which is not one of ours.
    const foreign = await proof(key, { htu: 'http://evil.example/notes' });
    expect((await dpop.verify(input(foreign, key, { url: 'http://evil.example/notes' }))).ok).toBe(false);
  });

  it('refuses stale and future proofs, and one without iat or jti', async () => {
    const dpop = createDpopVerifier({ origins: [ORIGIN], now });
    for (const claims of [{ iat: clock - PROOF_MAX_AGE - 1 }, { iat: clock + 11 }, { iat: undefined }, { iat: 'now' }, { jti: undefined }, { jti: '' }]) {
      expect((await dpop.verify(input(await proof(key, claims), key))).ok, JSON.stringify(claims)).toBe(false);
    }
    expect((await dpop.verify(input(await proof(key, { iat: clock + 10 }), key))).ok).toBe(true);
  });

  it("refuses a proof bound to another token (ath) or signed by another key than the token's cnf.jkt", async () => {
    const dpop = createDpopVerifier({ origins: [ORIGIN], now });
    expect(await dpop.verify(input(await proof(key, { ath: ath('another-token') }), key))).toMatchObject({ ok: false, description: expect.stringContaining('ath') });
    expect(await dpop.verify(input(await proof(key, { ath: undefined }), key))).toMatchObject({ ok: false, description: expect.stringContaining('ath') });
    const thief = await keys();
    expect(await dpop.verify(input(await proof(thief), key))).toMatchObject({ ok: false, description: expect.stringContaining('cnf.jkt') });
  });

  it('refuses malformed proofs: none, HMAC, wrong typ, a private key in the header, a tampered signature, two proofs', async () => {
    const dpop = createDpopVerifier({ origins: [ORIGIN], now });
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const good = await proof(key);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })).toString('base64url')}.${good.split('.')[1]}.`;
    const hmac = await new SignJWT({ htm: 'GET', htu: URL_NOTES, iat: clock, jti: randomUUID(), ath: ath(TOKEN) })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } as JWK })
      .sign(new TextEncoder().encode('secret'));
    const [h, p, s] = good.split('.');
    const proofs = [
      null,
      '',
      'garbage',
      unsigned,
      hmac,
      await proof(key, {}, { typ: 'JWT' }),
      await proof(key, {}, { jwk: privateJwk }),
      `${h}.${p}.${s!.slice(0, -4)}AAAA`,
      `${good}, ${await proof(key)}`,
    ];
    for (const candidate of proofs) {
      expect(await dpop.verify(input(candidate, key)), String(candidate)).toMatchObject({ ok: false, error: 'invalid_dpop_proof' });
    }
  });

  it('with nonces on, asks for the current nonce and accepts it (and the previous one after a rotation)', async () => {
    clock = 1_800_000_000;
    const dpop = createDpopVerifier({ origins: [ORIGIN], now, requireNonce: true });
    expect(await dpop.verify(input(await proof(key), key))).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
    const nonce = dpop.currentNonce()!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(await dpop.verify(input(await proof(key, { nonce: 'made-up' }), key))).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
    expect((await dpop.verify(input(await proof(key, { nonce }), key))).ok).toBe(true);
    clock += 61;
    expect(dpop.currentNonce()).not.toBe(nonce);
    expect((await dpop.verify(input(await proof(key, { nonce }), key))).ok).toBe(true);
    clock += 61;
    expect(await dpop.verify(input(await proof(key, { nonce }), key))).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
  });

  it('keeps memory bounded: when full it forgets the oldest second and refuses proofs that old from then on', async () => {
    clock = 1_800_000_000;
    const dpop = createDpopVerifier({ origins: [ORIGIN], now, replayCapacity: 3 });
    const old = await proof(key, { iat: clock - 5 });
    expect((await dpop.verify(input(old, key))).ok).toBe(true);
    for (let i = 0; i < 3; i++) expect((await dpop.verify(input(await proof(key), key))).ok).toBe(true);
    expect(dpop.remembered()).toBeLessThanOrEqual(3);
    // `old` was forgotten to make room: replaying it must still fail.
    expect((await dpop.verify(input(old, key))).ok).toBe(false);
    // Proofs expire with their second: a minute later the cache is empty again.
    clock += PROOF_MAX_AGE + 1;
    expect((await dpop.verify(input(await proof(key), key))).ok).toBe(true);
    expect(dpop.remembered()).toBe(1);
  });
});
