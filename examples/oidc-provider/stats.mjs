/**
 * Counters fed by the provider's events, so tests can prove what reached the token endpoint
 * (e.g. exactly one refresh for fifty concurrent requests).
 */
import { TOKEN_EXCHANGE } from './token-exchange.mjs';

function zero() {
  return {
    authorization_code: 0,
    refresh_token: 0,
    token_exchange: 0,
    client_credentials: 0,
    grant_errors: 0,
    /** The last token-endpoint error: its code and oidc-provider's detail (which the answer itself leaves out). */
    last_grant_error: null,
    pushed_authorization_requests: 0,
    use_dpop_nonce: 0,
    refresh_token_reuse: 0,
    grants_revoked: 0,
    end_sessions: 0,
    backchannel_success: 0,
    backchannel_error: 0,
    last_backchannel_error: null,
  };
}

/**
 * @example
 * const stats = createStats(provider); stats.read().refresh_token
 */
export function createStats(provider) {
  let counts = zero();
  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc.params?.grant_type;
    if (type === 'authorization_code' || type === 'refresh_token') counts[type] += 1;
    if (type === TOKEN_EXCHANGE) counts.token_exchange += 1;
    if (type === 'client_credentials') counts.client_credentials += 1;
  });
  provider.on('pushed_authorization_request.success', () => (counts.pushed_authorization_requests += 1));
  provider.on('pushed_authorization_request.error', (_ctx, error) => {
    if (error?.error === 'use_dpop_nonce') counts.use_dpop_nonce += 1;
  });
  provider.on('grant.error', (_ctx, error) => {
    // A DPoP nonce challenge is the protocol working (the client retries with the nonce), not a failure.
    if (error?.error === 'use_dpop_nonce') {
      counts.use_dpop_nonce += 1;
      return;
    }
    counts.grant_errors += 1;
    counts.last_grant_error = `${error?.error}: ${error?.error_detail ?? error?.error_description ?? ''}`;
    if (error?.error_description === 'refresh token already used') counts.refresh_token_reuse += 1;
  });
  // Revoking a refresh token (logout) revokes its whole grant.
  provider.on('grant.revoked', () => (counts.grants_revoked += 1));
  provider.on('end_session.success', () => (counts.end_sessions += 1));
  provider.on('backchannel.success', () => (counts.backchannel_success += 1));
  provider.on('backchannel.error', (_ctx, error) => {
    counts.backchannel_error += 1;
    counts.last_backchannel_error = String(error?.message ?? error);
  });
  return {
    read: () => ({ ...counts }),
    reset: () => void (counts = zero()),
  };
}
