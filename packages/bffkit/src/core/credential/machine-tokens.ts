import type { BackendResult } from '../backends/adapter';
import type { ResolvedConfig } from '../config';
import { generateDpopKey } from '../dpop/keys';
import { accessTokenDue } from '../session/lifetime';
import type { DpopKeyPair, UpstreamToken } from '../types';
import { Flights } from './flights';
import type { ResolvedTokenPolicy } from './policy';

type ClientCredentialsPolicy = Extract<ResolvedTokenPolicy, { kind: 'clientCredentials' }>;

/**
 * The app's own client-credentials tokens (no user), per policy: one token request at a time, the
 * token kept in this process until it is due. Bound to a process-wide DPoP key when the backend uses
 * DPoP (never a user's key: the token is not the user's). One instance per configuration.
 */
export class MachineTokens {
  private readonly tokens = new Map<string, UpstreamToken>();
  private readonly flights = new Flights<BackendResult<UpstreamToken>>();
  private key: Promise<DpopKeyPair> | undefined;

  constructor(private readonly config: ResolvedConfig) {}

  /** The process DPoP key (made on first use) when the backend binds tokens, else undefined. */
  dpopKey(): Promise<DpopKeyPair | undefined> {
    if (!this.config.backend.dpop) return Promise.resolve(undefined);
    return (this.key ??= generateDpopKey());
  }

  /**
   * A token for `policy`, from the cache unless due (or `force`, after the upstream refused it).
   *
   * @example
   * const token = await ctx.machineTokens.get(upstream.token, false);
   */
  async get(policy: ClientCredentialsPolicy, force: boolean): Promise<BackendResult<UpstreamToken>> {
    const { backend, clock, refreshSkew } = this.config;
    const cached = this.tokens.get(policy.cacheKey);
    if (cached && !force && !accessTokenDue(cached, clock(), refreshSkew)) return { ok: true, value: cached };
    if (!backend.clientCredentials) return { ok: false, reason: 'unavailable', problem: 'the backend adapter has no client-credentials grant' };
    return this.flights.run(policy.cacheKey, async () => {
      const dpopKey = await this.dpopKey();
      const result = await backend.clientCredentials!({
        ...(policy.scope ? { scope: policy.scope } : {}),
        ...(policy.resource ? { resource: policy.resource } : {}),
        ...(policy.audience ? { audience: policy.audience } : {}),
        ...(dpopKey ? { dpopKey } : {}),
      });
      if (result.ok) this.tokens.set(policy.cacheKey, result.value);
      return result;
    });
  }
}
