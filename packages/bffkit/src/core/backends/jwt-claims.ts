/**
 * Reads claims from a JWT WITHOUT verifying it. Only for tokens that bffkit received directly from
 * the backend over a server-to-server call (where the transport is the trust), e.g. to learn `exp`.
 * Never use it on a token that came from the browser.
 *
 * @example
 * const claims = unverifiedClaims(tokens.accessToken);
 */
export function unverifiedClaims(token: string): Record<string, unknown> | null {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 1 || second < 0 || second - first > 16_384) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The `exp` claim (epoch seconds) of a JWT received from the backend, if any.
 *
 * @example
 * jwtExpiry(accessToken) // 1767225600
 */
export function jwtExpiry(token: string): number | undefined {
  const exp = unverifiedClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
}
