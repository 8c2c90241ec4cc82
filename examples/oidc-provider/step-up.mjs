/**
 * Authentication levels for step-up (OpenID Connect `acr_values`, RFC 9470 on the API side): a
 * password sign-in reaches `urn:bffkit:acr:pwd`; the password plus the development one-time code
 * reaches `urn:bffkit:acr:mfa`. A request whose `acr_values` asks for a level the session has not
 * reached sends the user through the login interaction again (the second factor only, when the
 * session is otherwise fresh enough for `max_age`).
 */
import { interactionPolicy } from 'oidc-provider';

/** The levels, lowest first. */
export const ACR = Object.freeze({ pwd: 'urn:bffkit:acr:pwd', mfa: 'urn:bffkit:acr:mfa' });
/** Authentication methods (RFC 8176) per level. */
export const AMR = Object.freeze({ [ACR.pwd]: ['pwd'], [ACR.mfa]: ['pwd', 'otp', 'mfa'] });
/** The reason the login prompt gives when only the level is missing. */
export const STEP_UP_REASON = 'acr_insufficient';

const RANK = new Map([
  [ACR.pwd, 1],
  [ACR.mfa, 2],
]);

/**
 * The level a request needs: the lowest of the known levels in `acr_values` (they are alternatives),
 * or undefined when it names none of ours.
 *
 * @example
 * requiredAcr('urn:bffkit:acr:mfa') // 'urn:bffkit:acr:mfa'
 */
export function requiredAcr(acrValues) {
  const known = String(acrValues ?? '')
    .split(' ')
    .filter((v) => RANK.has(v));
  if (known.length === 0) return undefined;
  return known.reduce((low, v) => (RANK.get(v) < RANK.get(low) ? v : low));
}

/** True when a session at level `acr` satisfies the level `needed`. */
export function satisfies(acr, needed) {
  return needed === undefined || (RANK.get(acr) ?? 0) >= RANK.get(needed);
}

/**
 * The default interaction policy plus one login check: the session's `acr` must reach the level
 * `acr_values` asks for.
 *
 * @example
 * new Provider(issuer, { interactions: { policy: stepUpPolicy(), url } });
 */
export function stepUpPolicy() {
  const policy = interactionPolicy.base();
  const { Check } = interactionPolicy;
  policy.get('login').checks.add(
    new Check(STEP_UP_REASON, 'A stronger authentication is required', (ctx) => {
      const { oidc } = ctx;
      if (!oidc.session.accountId) return Check.NO_NEED_TO_PROMPT; // `no_session` asks for the password first
      return satisfies(oidc.acr, requiredAcr(oidc.params.acr_values)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}

/**
 * The `acr`, `amr` and `auth_time` an access token carries (RFC 9068 section 2.2.1), read from what the
 * token is issued from: the authorization code, the refresh token, or the exchanged subject token.
 *
 * @example
 * const claims = authenticationClaims(ctx); // { acr: 'urn:bffkit:acr:mfa', amr: [...], auth_time: 1767225600 }
 */
export function authenticationClaims(ctx) {
  const { AuthorizationCode, RefreshToken, SubjectToken } = ctx?.oidc?.entities ?? {};
  if (SubjectToken) {
    const { acr, amr, auth_time } = SubjectToken;
    return { acr, amr, auth_time };
  }
  const source = RefreshToken ?? AuthorizationCode;
  if (!source) return {};
  return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
}
