/**
 * The optional sections of the binary session format (codec.ts): what sessions of OpenID providers
 * with DPoP, step-up and per-upstream tokens carry beyond the core fields. A session without any of
 * them encodes to exactly the bytes it always did (no section block, flag bit 6 clear), so cookies of
 * credentials apps do not grow, and every format 2 cookie written before these sections existed still
 * reads.
 *
 * The block, after the four times: sections until the end, each `[tag][varint length][payload]`.
 *   1 token type   one byte: 1 = the access token is DPoP-bound
 *   2 DPoP key     one byte alg (1 = ES256), then x, y, d: 32 raw bytes each (the P-256 key)
 *   3 auth level   one byte of flags (1 acr, 2 amr, 4 auth_time), then acr text, amr count + texts,
 *                  auth_time varint
 *   4 upstream tokens  varint count, then per token: cache key text, access token text, one byte of
 *                  flags (1 DPoP-bound, 2 times are float64), expiresAt, issuedAt
 * An unknown tag is skipped (its length says how far): a session written by a newer release still
 * opens, without what this release does not know. A known section that does not parse exactly fails
 * the whole session (it is then anonymous, like any bad cookie).
 */
import { ByteReader, ByteWriter } from './byte-codec';
import type { AuthLevel, DpopKeyPair, SessionData, UpstreamToken } from '../types';

const TOKEN_TYPE = 1;
const DPOP_KEY = 2;
const AUTH = 3;
const UPSTREAM_TOKENS = 4;
const ES256 = 1;
const P256_BYTES = 32;
const MAX_UPSTREAM_TOKENS = 64;
const MAX_AMR = 32;
/** Cache keys are `<kind>:<what>` (see credential/policy.ts): never `__proto__` or the like. */
const CACHE_KEY = /^[a-z]+:/;

/** The parts of a session stored in sections. */
export type SessionExtras = Pick<SessionData, 'dpopKey' | 'auth' | 'upstreamTokens'> & { tokenType?: 'DPoP' };

/**
 * Whether `s` has anything to put in sections (else the block is left out entirely).
 *
 * @example
 * if (hasExtras(session)) flags |= HAS_EXTRAS;
 */
export function hasExtras(s: SessionData): boolean {
  return s.tokens.tokenType === 'DPoP' || s.dpopKey !== undefined || s.auth !== undefined || (s.upstreamTokens !== undefined && Object.keys(s.upstreamTokens).length > 0);
}

/**
 * Appends the sections of `s` to `w`.
 *
 * @example
 * writeExtras(w, session);
 */
export function writeExtras(w: ByteWriter, s: SessionData): void {
  if (s.tokens.tokenType === 'DPoP') section(w, TOKEN_TYPE, (b) => b.byte(1));
  if (s.dpopKey) {
    const key = s.dpopKey;
    section(w, DPOP_KEY, (b) => {
      b.byte(ES256);
      for (const part of [key.x, key.y, key.d]) b.raw(coordinate(part));
    });
  }
  if (s.auth) {
    const a = s.auth;
    section(w, AUTH, (b) => {
      const authTime = a.authTime !== undefined && Number.isSafeInteger(a.authTime) && a.authTime >= 0 ? a.authTime : undefined;
      b.byte((a.acr !== undefined ? 1 : 0) | (a.amr !== undefined ? 2 : 0) | (authTime !== undefined ? 4 : 0));
      if (a.acr !== undefined) b.text(a.acr);
      if (a.amr !== undefined) {
        b.varint(a.amr.length);
        for (const m of a.amr) b.text(m);
      }
      if (authTime !== undefined) b.varint(authTime);
    });
  }
  const entries = Object.entries(s.upstreamTokens ?? {});
  if (entries.length) {
    section(w, UPSTREAM_TOKENS, (b) => {
      b.varint(entries.length);
      for (const [key, t] of entries) {
        const integral = [t.expiresAt, t.issuedAt].every((n) => Number.isSafeInteger(n) && n >= 0 && !Object.is(n, -0));
        b.text(key);
        b.text(t.accessToken);
        b.byte((t.tokenType === 'DPoP' ? 1 : 0) | (integral ? 0 : 2));
        for (const n of [t.expiresAt, t.issuedAt]) {
          if (integral) b.varint(n);
          else b.float(n);
        }
      }
    });
  }
}

/**
 * Reads the sections from `r` to the end of its buffer; null when a known one is malformed.
 *
 * @example
 * const extras = readExtras(reader);
 */
export function readExtras(r: ByteReader): SessionExtras | null {
  const out: SessionExtras = {};
  while (!r.done) {
    const tag = r.byte();
    const body = r.block();
    if (r.failed || body === null) return null;
    const b = new ByteReader(body, 0);
    if (tag === TOKEN_TYPE) {
      if (b.byte() !== 1) return null;
      out.tokenType = 'DPoP';
    } else if (tag === DPOP_KEY) {
      const key = readKey(b);
      if (!key) return null;
      out.dpopKey = key;
    } else if (tag === AUTH) {
      const auth = readAuth(b);
      if (!auth) return null;
      out.auth = auth;
    } else if (tag === UPSTREAM_TOKENS) {
      const tokens = readUpstreamTokens(b);
      if (!tokens) return null;
      out.upstreamTokens = tokens;
    } else {
      continue; // a section of a newer release: skipped
    }
    if (b.failed || !b.done) return null;
  }
  return out;
}

function section(w: ByteWriter, tag: number, write: (b: ByteWriter) => void): void {
  const b = new ByteWriter();
  write(b);
  w.byte(tag);
  w.block(b.done());
}

function coordinate(value: string): Buffer {
  const raw = Buffer.from(value, 'base64url');
  // Why a throw: the key came from bffkit's own generator; a wrong size is a bug, never user input.
  if (raw.length !== P256_BYTES) throw new RangeError('bffkit: a DPoP key coordinate must be 32 bytes');
  return raw;
}

function readKey(b: ByteReader): DpopKeyPair | null {
  if (b.byte() !== ES256) return null;
  const parts = [b.raw(P256_BYTES), b.raw(P256_BYTES), b.raw(P256_BYTES)];
  if (parts.some((p) => p === null)) return null;
  const [x, y, d] = parts.map((p) => p!.toString('base64url'));
  return { alg: 'ES256', x: x!, y: y!, d: d! };
}

function readAuth(b: ByteReader): AuthLevel | null {
  const flags = b.byte();
  if (flags & ~7) return null;
  const auth: AuthLevel = {};
  if (flags & 1) {
    const acr = b.text();
    if (acr === null) return null;
    auth.acr = acr;
  }
  if (flags & 2) {
    const count = b.varint();
    if (count > MAX_AMR) return null;
    const amr: string[] = [];
    for (let i = 0; i < count; i++) {
      const m = b.text();
      if (m === null) return null;
      amr.push(m);
    }
    auth.amr = amr;
  }
  if (flags & 4) auth.authTime = b.varint();
  return b.failed ? null : auth;
}

function readUpstreamTokens(b: ByteReader): Record<string, UpstreamToken> | null {
  const count = b.varint();
  if (count > MAX_UPSTREAM_TOKENS) return null;
  const out: Record<string, UpstreamToken> = {};
  for (let i = 0; i < count; i++) {
    const key = b.text();
    const accessToken = b.text();
    const flags = b.byte();
    if (key === null || accessToken === null || flags & ~3 || !CACHE_KEY.test(key)) return null;
    const float = (flags & 2) !== 0;
    const token: UpstreamToken = { accessToken, expiresAt: b.number(float), issuedAt: b.number(float) };
    if (flags & 1) token.tokenType = 'DPoP';
    if (b.failed || Object.hasOwn(out, key)) return null;
    out[key] = token;
  }
  return out;
}

/** The JSON form of the sections (format 1 JSON: the unencrypted Redis store, tools). */
export interface JsonExtras {
  tt?: 'DPoP';
  k?: DpopKeyPair;
  au?: AuthLevel;
  ut?: Record<string, UpstreamToken>;
}

/**
 * The sections as a JSON value.
 *
 * @example
 * wire.x = extrasToJson(session);
 */
export function extrasToJson(s: SessionData): JsonExtras {
  const x: JsonExtras = {};
  if (s.tokens.tokenType === 'DPoP') x.tt = 'DPoP';
  if (s.dpopKey) x.k = s.dpopKey;
  if (s.auth) x.au = s.auth;
  if (s.upstreamTokens && Object.keys(s.upstreamTokens).length) x.ut = s.upstreamTokens;
  return x;
}

/**
 * A JSON value of the sections → the extras, or null when its shape is wrong (never throws). Goes
 * through the binary reader, so both forms accept exactly the same values.
 *
 * @example
 * const extras = extrasFromJson(wire.x);
 */
export function extrasFromJson(value: unknown): SessionExtras | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const x = value as JsonExtras;
  if (x.tt !== undefined && x.tt !== 'DPoP') return null;
  if (x.k !== undefined && !['x', 'y', 'd'].every((f) => typeof (x.k as unknown as Record<string, unknown>)?.[f] === 'string')) return null;
  const au = x.au as Record<string, unknown> | undefined;
  if (au !== undefined && (typeof au !== 'object' || au === null)) return null;
  if (au && au.acr !== undefined && typeof au.acr !== 'string') return null;
  if (au && au.amr !== undefined && !(Array.isArray(au.amr) && au.amr.every((m) => typeof m === 'string'))) return null;
  if (au && au.authTime !== undefined && typeof au.authTime !== 'number') return null;
  const ut = x.ut as Record<string, Record<string, unknown>> | undefined;
  if (ut !== undefined && (typeof ut !== 'object' || ut === null || Object.values(ut).some((t) => typeof t?.accessToken !== 'string' || typeof t.expiresAt !== 'number' || typeof t.issuedAt !== 'number'))) return null;
  const probe = {
    tokens: { accessToken: '', expiresAt: 0, issuedAt: 0, ...(x.tt ? { tokenType: x.tt } : {}) },
    ...(x.k !== undefined ? { dpopKey: x.k } : {}),
    ...(x.au !== undefined ? { auth: x.au } : {}),
    ...(x.ut !== undefined ? { upstreamTokens: x.ut } : {}),
  } as SessionData;
  try {
    const w = new ByteWriter();
    writeExtras(w, probe);
    return readExtras(new ByteReader(w.done(), 0));
  } catch {
    return null;
  }
}
