import { createHash, randomBytes } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';

/** DPoP proof algorithms accepted (FAPI 2.0 section 5.4.1: PS256, ES256, EdDSA; never `none` or HMAC). */
export const DPOP_ALGS = ['ES256', 'PS256', 'EdDSA', 'Ed25519'] as const;
/** A proof may be this old (seconds): long enough for a slow network, short enough to bound the replay cache. */
export const PROOF_MAX_AGE = 60;
/** A proof may claim to be this far in the future (seconds), for clock skew (FAPI 2.0 accepts 0 to 10). */
export const PROOF_FUTURE_SKEW = 10;
/** Server nonces (RFC 9449 section 9) change this often (seconds); the previous one stays valid. */
export const NONCE_LIFETIME = 60;
/** Most proofs remembered at once; beyond it the oldest second is dropped and older proofs refused. */
export const DEFAULT_REPLAY_CAPACITY = 500_000;

/** Why a proof was refused, as RFC 9449 names it in `WWW-Authenticate`. */
export type DpopError = 'invalid_dpop_proof' | 'use_dpop_nonce';

/** Outcome of checking a DPoP proof: a value, never an exception. */
export type DpopCheck =
  | { ok: true; jkt: string; jti: string }
  | { ok: false; error: DpopError; description: string };

/** What one request presents. */
export interface DpopInput {
  /** The `DPoP` request header (null when absent). */
  proof: string | null;
  method: string;
  /** The request URL (its path is compared with `htu`; query and fragment are ignored). */
  url: string;
  /** The access token the proof must be bound to (`ath`). */
  accessToken: string;
  /** The token's `cnf.jkt`: the thumbprint the proof's key must have. */
  jkt: string;
}

/** Checks DPoP proofs for one resource server. */
export interface DpopVerifier {
  verify(input: DpopInput): Promise<DpopCheck>;
  /** The nonce to hand out (`DPoP-Nonce`), or null when nonces are off. */
  currentNonce(): string | null;
  /** Proofs remembered for replay detection (for tests and stats). */
  remembered(): number;
}

/** Options of {@link createDpopVerifier}. */
export interface DpopOptions {
  /** Origins clients use to reach this API, e.g. `['http://127.0.0.1:4000']`; `htu` must name one. */
  origins: string[];
  /** Demand a server nonce in every proof. @default false */
  requireNonce?: boolean;
  /** Current time in epoch seconds. */
  now: () => number;
  /** @default DEFAULT_REPLAY_CAPACITY */
  replayCapacity?: number;
}

const fail = (error: DpopError, description: string): DpopCheck => ({ ok: false, error, description });
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

function sameTarget(htu: unknown, url: string, origins: Set<string>): boolean {
  if (typeof htu !== 'string' || !URL.canParse(htu)) return false;
  const claimed = new URL(htu);
  // Why configured origins and not the Host header: a Host header is the client's to choose, so a proof
  // made for another server could otherwise be made to match.
  return origins.has(claimed.origin) && claimed.pathname === new URL(url).pathname;
}

/**
 * Remembers proof ids per second of expiry, so a replay is found in O(1) and whole seconds expire at
 * once. When full, the oldest second goes and `floor` rises: a proof that old is refused from then on,
 * so nothing forgotten can be replayed.
 */
function replayCache(capacity: number) {
  const buckets = new Map<number, Set<string>>();
  let size = 0;
  let floor = -Infinity;
  const drop = (second: number) => {
    size -= buckets.get(second)!.size;
    buckets.delete(second);
  };
  return {
    size: () => size,
    tooOld: (iat: number) => iat <= floor,
    /** True when the id was new (and is now remembered). */
    remember(key: string, iat: number, now: number): boolean {
      for (const second of buckets.keys()) if (second < now) drop(second);
      const expires = iat + PROOF_MAX_AGE;
      const bucket = buckets.get(expires);
      if (bucket?.has(key)) return false;
      while (size >= capacity && buckets.size > 0) {
        const oldest = Math.min(...buckets.keys());
        floor = Math.max(floor, oldest - PROOF_MAX_AGE);
        drop(oldest);
      }
      if (iat <= floor) return false;
      if (bucket) bucket.add(key);
      else buckets.set(expires, new Set([key]));
      size += 1;
      return true;
    },
  };
}

function nonces(now: () => number) {
  let current = { value: randomBytes(18).toString('base64url'), since: now() };
  let previous: string | null = null;
  const rotate = () => {
    if (now() - current.since < NONCE_LIFETIME) return;
    previous = current.value;
    current = { value: randomBytes(18).toString('base64url'), since: now() };
  };
  return {
    current: () => (rotate(), current.value),
    valid: (nonce: unknown) => (rotate(), typeof nonce === 'string' && (nonce === current.value || nonce === previous)),
  };
}

/**
 * Verifies DPoP proofs (RFC 9449 section 4.3 and 7.1): one `DPoP` header; a `dpop+jwt` signed with an
 * allowed algorithm by the public key in its own `jwk` header, whose RFC 7638 thumbprint is the token's
 * `cnf.jkt`; `htm` and `htu` naming this request; a recent `iat`; `ath` the hash of this access token;
 * a `jti` never seen before; and the server nonce when required.
 *
 * @example
 * const dpop = createDpopVerifier({ origins: ['http://127.0.0.1:4000'], now: () => Math.floor(Date.now() / 1000) });
 * const check = await dpop.verify({ proof: req.headers.get('dpop'), method: 'GET', url: req.url, accessToken, jkt });
 */
export function createDpopVerifier(options: DpopOptions): DpopVerifier {
  const origins = new Set(options.origins.map((o) => new URL(o).origin));
  const cache = replayCache(options.replayCapacity ?? DEFAULT_REPLAY_CAPACITY);
  const nonce = options.requireNonce ? nonces(options.now) : null;

  async function verify(input: DpopInput): Promise<DpopCheck> {
    const { proof } = input;
    if (!proof) return fail('invalid_dpop_proof', 'A DPoP proof is required with a DPoP-bound access token.');
    // Two DPoP headers arrive joined with ", "; a compact JWS has neither character.
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof)) return fail('invalid_dpop_proof', 'Exactly one DPoP proof (a compact JWS) is required.');
    let jwk: JWK | undefined;
    let payload: Record<string, unknown>;
    try {
      jwk = decodeProtectedHeader(proof).jwk;
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGS] }));
    } catch {
      return fail('invalid_dpop_proof', 'The DPoP proof is not a valid dpop+jwt signed by its embedded public key.');
    }
    if (payload.htm !== input.method) return fail('invalid_dpop_proof', 'The DPoP proof is for another HTTP method (htm).');
    if (!sameTarget(payload.htu, input.url, origins)) return fail('invalid_dpop_proof', 'The DPoP proof is for another URL (htu).');
    const now = options.now();
    const { iat, jti } = payload;
    if (typeof iat !== 'number' || !Number.isFinite(iat) || iat < now - PROOF_MAX_AGE || iat > now + PROOF_FUTURE_SKEW || cache.tooOld(iat)) {
      return fail('invalid_dpop_proof', 'The DPoP proof is too old or from the future (iat).');
    }
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) return fail('invalid_dpop_proof', 'The DPoP proof needs a jti.');
    if (payload.ath !== sha256(input.accessToken)) return fail('invalid_dpop_proof', 'The DPoP proof is not bound to this access token (ath).');
    const thumbprint = await calculateJwkThumbprint(jwk!);
    if (thumbprint !== input.jkt) return fail('invalid_dpop_proof', "The DPoP proof is signed with another key than the access token's (cnf.jkt).");
    if (nonce && !nonce.valid(payload.nonce)) return fail('use_dpop_nonce', 'The resource server requires its nonce in the DPoP proof.');
    // Last, so a proof that fails a check above does not use up its jti.
    if (!cache.remember(`${thumbprint}:${jti}`, iat, now)) return fail('invalid_dpop_proof', 'The DPoP proof was already used (jti).');
    return { ok: true, jkt: thumbprint, jti };
  }

  return { verify, currentNonce: () => nonce?.current() ?? null, remembered: cache.size };
}
