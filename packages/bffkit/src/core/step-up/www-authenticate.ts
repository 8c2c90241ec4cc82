/**
 * A reader for `WWW-Authenticate` (RFC 9110 section 11.6.1): the challenges, each a scheme and its
 * auth-params (names lower-cased, quoted values unescaped). Used on upstream 401s to find DPoP nonce
 * demands and RFC 9470 step-up challenges. Never throws; an unreadable header yields what was read.
 */

/** One challenge. */
export interface Challenge {
  /** The scheme, lower-cased: `bearer`, `dpop`, … */
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const SCHEME = new RegExp(`^[\\s,]*(${TOKEN})`);
const PARAM = new RegExp(`^\\s*(${TOKEN})\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|${TOKEN})\\s*(?:,|$)`);
const TOKEN68 = /^\s*[A-Za-z0-9\-._~+/]+=*\s*(?:,|$)/;
/** Longest header read (a challenge is short; anything longer is not worth parsing). */
const MAX_HEADER = 8192;

/**
 * The challenges of a `WWW-Authenticate` value.
 *
 * @example
 * parseChallenges('DPoP error="use_dpop_nonce", algs="ES256"') // [{ scheme: 'dpop', params: { error: 'use_dpop_nonce', algs: 'ES256' } }]
 */
export function parseChallenges(header: string | null): Challenge[] {
  const out: Challenge[] = [];
  let rest = (header ?? '').slice(0, MAX_HEADER);
  for (let guard = 0; guard < 32; guard++) {
    const scheme = SCHEME.exec(rest);
    if (!scheme) break;
    rest = rest.slice(scheme[0].length);
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    for (;;) {
      const param = PARAM.exec(rest);
      if (param) {
        const raw = param[2]!;
        params[param[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
        rest = rest.slice(param[0].length);
        continue;
      }
      // A token68 (e.g. `Negotiate abc==`) stands alone right after its scheme.
      const token68 = Object.keys(params).length === 0 ? TOKEN68.exec(rest) : null;
      if (token68) rest = rest.slice(token68[0].length);
      break;
    }
    out.push({ scheme: scheme[1]!.toLowerCase(), params });
  }
  return out;
}
