import type { BffContext } from '../context';
import type { TokenSet } from '../types';

/**
 * What a revocation at the backend came to: `revoked`; `not-needed` (nothing live was left, or the
 * backend cannot revoke); `failed` (logged by the context's diagnostics, the backend session may
 * still be live); `unreported` (the adapter does not say).
 */
export type RevocationReport = 'revoked' | 'not-needed' | 'failed' | 'unreported';

/**
 * Revokes a session's tokens at the backend and reports the outcome; never throws. The failure
 * itself is logged once per spell by the observed adapter on the context (never the token).
 *
 * @example
 * const revocation = await revokeAtBackend(ctx, session.tokens);
 */
export async function revokeAtBackend(ctx: BffContext, tokens: TokenSet): Promise<RevocationReport> {
  const revoke = ctx.config.backend.revoke;
  if (!revoke) return 'not-needed';
  const result = await revoke.call(ctx.config.backend, tokens).catch(() => ({ ok: false as const, reason: 'unavailable' as const }));
  if (!result) return 'unreported';
  return result.ok ? (result.value === 'revoked' ? 'revoked' : 'not-needed') : 'failed';
}
