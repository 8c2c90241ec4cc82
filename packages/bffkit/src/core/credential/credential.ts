/**
 * "The credential for this call": what one upstream call carries, and the one place that puts it on
 * the wire. A Bearer token goes into `Authorization: Bearer`; a DPoP-bound token goes into
 * `Authorization: DPoP` with a fresh proof (RFC 9449: `htm`, `htu`, `iat`, `jti`, `ath`, and the
 * server's nonce once one was given) made by oauth4webapi with the session's key. Forwarding and
 * `fetchBackend` both send through here.
 */
import { loadOAuth } from '../oauth-client';
import type { DpopHandles } from '../dpop/handles';
import { send, type UpstreamCall } from '../forward/transport';
import type { DpopKeyPair } from '../types';

/** What one upstream call carries. */
export interface CallCredential {
  /** The access token (null: the upstream gets no Authorization at all). */
  token: string | null;
  /** `DPoP` when the token is bound to `dpopKey` (each call then carries a proof). */
  scheme: 'Bearer' | 'DPoP';
  dpopKey?: DpopKeyPair;
}

/**
 * A Bearer credential.
 *
 * @example
 * const credential = bearer(session.tokens.accessToken);
 */
export function bearer(token: string): CallCredential {
  return { token, scheme: 'Bearer' };
}

/** No credential: the upstream is called without Authorization. */
export const NO_CREDENTIAL: CallCredential = { token: null, scheme: 'Bearer' };

/**
 * Sends one upstream call with `credential` attached. Never adds a header of its own beyond
 * Authorization and DPoP.
 *
 * @example
 * const response = await sendWithCredential(call, credential, ctx.dpop);
 */
export async function sendWithCredential(
  call: UpstreamCall,
  credential: CallCredential,
  handles: DpopHandles,
  transport: (call: UpstreamCall) => Promise<Response> = send,
): Promise<Response> {
  if (credential.token === null) return transport(call);
  if (credential.scheme !== 'DPoP' || !credential.dpopKey) {
    return transport({ ...call, headers: { ...call.headers, authorization: `Bearer ${credential.token}` } });
  }
  const [handle, oauth] = await Promise.all([handles.of(credential.dpopKey), loadOAuth()]);
  const chosen = new Set(Object.keys(call.headers));
  try {
    // oauth4webapi makes the proof and the Authorization header; the call itself still goes through
    // bffkit's own transport (customFetch), so streaming, timeouts and header hygiene are unchanged.
    return await oauth.protectedResourceRequest(credential.token, call.method, call.url, new Headers(call.headers), null, {
      DPoP: handle,
      [oauth.allowInsecureRequests]: call.url.protocol === 'http:',
      [oauth.customFetch]: (_url, init) => transport({ ...call, headers: onlyOurs(init.headers, chosen) }),
    });
  } catch (error) {
    // Any answer with a WWW-Authenticate challenge (a nonce demand, a refusal, a step-up) is thrown
    // by oauth4webapi; it is still the upstream's answer, read like any other.
    if (error instanceof oauth.WWWAuthenticateChallengeError) return error.response;
    throw error;
  }
}

/** The headers to send: ours, plus Authorization and DPoP (oauth4webapi's user-agent is dropped). */
function onlyOurs(headers: Record<string, string>, chosen: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (chosen.has(name) || name === 'authorization' || name === 'dpop') out[name] = value;
  }
  return out;
}
