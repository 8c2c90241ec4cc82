import * as oauth from 'oauth4webapi';
import { DpopHandles } from '../../dpop/handles';
import type { Clock } from '../../time';
import type { DpopKeyPair } from '../../types';
import type { BackendResult } from '../adapter';
import { createDiscovery } from './discovery';
import { metadataProblem } from './metadata-check';
import type { ResolvedOidcOptions } from './options';
import { failureOf } from './outcome';

/**
 * What every part of the OpenID Connect adapter shares: the options, the client, how it
 * authenticates, the provider's checked metadata, request options, and the DPoP handles of the
 * sessions' keys. One per `oidcBackend(...)`.
 */
export interface OidcRuntime {
  readonly o: ResolvedOidcOptions;
  readonly clock: Clock;
  readonly client: oauth.Client;
  /** Client authentication for the token, PAR and revocation endpoints. */
  clientAuth(): Promise<oauth.ClientAuth>;
  /** The provider's metadata, checked against the options (see metadata-check.ts). Never throws. */
  metadata(): Promise<BackendResult<oauth.AuthorizationServer>>;
  /** Per-request options: the timeout, and plain http for a loopback issuer. */
  http(): { signal: AbortSignal; [oauth.allowInsecureRequests]: boolean };
  /** The DPoP option for a request proved with `key` (none without a key). */
  dpop(key: DpopKeyPair | undefined): Promise<{ DPoP?: oauth.DPoPHandle }>;
  /** Runs `work` with the metadata; any throw is sorted into a failure (`invalid` → `asInvalid`). */
  withAs<T>(work: (as: oauth.AuthorizationServer) => Promise<T>, asInvalid: 'rejected' | 'unavailable'): Promise<BackendResult<T>>;
}

/**
 * Builds the runtime of validated options.
 *
 * @example
 * const rt = createRuntime(resolveOidcOptions(options), systemClock);
 */
export function createRuntime(o: ResolvedOidcOptions, clock: Clock): OidcRuntime {
  const client: oauth.Client = { client_id: o.clientId };
  if (o.idTokenSigningAlg) client.id_token_signed_response_alg = o.idTokenSigningAlg;
  const discovery = createDiscovery(o.issuer, { ttl: o.discoveryTtl, timeoutMs: o.timeoutMs, allowHttp: o.allowHttp });
  const handles = new DpopHandles();
  let auth: Promise<oauth.ClientAuth> | undefined;

  const rt: OidcRuntime = {
    o,
    clock,
    client,
    clientAuth() {
      if (o.clientAuth === 'client_secret_post') return Promise.resolve(oauth.ClientSecretPost(o.clientSecret!));
      if (o.clientAuth === 'client_secret_basic') return Promise.resolve(oauth.ClientSecretBasic(o.clientSecret!));
      const first = o.clientKeys[0]!;
      // The assertion's `aud` is the issuer (oauth4webapi's choice, and what FAPI 2.0 5.3.3.1 asks).
      auth ??= first.cryptoKey().then((key) => oauth.PrivateKeyJwt({ key, kid: first.kid }));
      auth.catch(() => (auth = undefined));
      return auth;
    },
    async metadata() {
      const as = await discovery.get();
      if (!as.ok) return as;
      const problem = metadataProblem(as.value, o);
      return problem ? { ok: false, reason: 'unavailable', problem } : as;
    },
    http: () => ({ signal: AbortSignal.timeout(o.timeoutMs), [oauth.allowInsecureRequests]: o.allowHttp }),
    async dpop(key) {
      return key ? { DPoP: await handles.of(key) } : {};
    },
    async withAs(work, asInvalid) {
      const as = await rt.metadata();
      if (!as.ok) return as;
      try {
        return { ok: true, value: await work(as.value) };
      } catch (error) {
        const failure = failureOf(error);
        return { ok: false, reason: failure === 'invalid' ? asInvalid : failure };
      }
    },
  };
  return rt;
}

/**
 * Runs a request and its processing; when the server asks for a DPoP nonce (`use_dpop_nonce`: the
 * handle has kept the nonce from that answer), runs it once more. Never more than once: a second
 * refusal is the answer (RFC 9449 section 8).
 *
 * @example
 * const answer = await withNonceRetry(async () => oauth.processRefreshTokenResponse(as, client, await send()));
 */
export async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return attempt();
  }
}
