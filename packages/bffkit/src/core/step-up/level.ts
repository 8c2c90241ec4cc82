import type { AuthLevel } from '../types';

/** What a page, action or upstream call needs of the sign-in. */
export interface AuthRequirement {
  /** Acceptable `acr` values (any one of them). */
  acr?: string | readonly string[];
  /** Longest acceptable time since the user authenticated, in seconds. */
  maxAge?: number;
}

/**
 * Whether a session's authentication level meets a requirement at `now` (epoch seconds). A level
 * that is unknown never meets a requirement on it: no `acr` recorded fails an `acr` requirement, no
 * `authTime` fails a `maxAge`. The level comes only from verified sources (see AuthLevel).
 *
 * @example
 * authSatisfies(session.auth, { acr: 'urn:bffkit:acr:mfa', maxAge: 300 }, now)
 */
export function authSatisfies(auth: AuthLevel | undefined, requirement: AuthRequirement, now: number): boolean {
  const acr = requirement.acr === undefined ? [] : typeof requirement.acr === 'string' ? [requirement.acr] : requirement.acr;
  if (acr.length && (auth?.acr === undefined || !acr.includes(auth.acr))) return false;
  if (requirement.maxAge !== undefined) {
    if (auth?.authTime === undefined) return false;
    // A sign-in "in the future" (clock skew beyond a minute) is as unknown as none.
    if (auth.authTime > now + 60 || now - auth.authTime > requirement.maxAge) return false;
  }
  return true;
}

/**
 * Validates a requirement given by app code; throws TypeError on misuse.
 *
 * @example
 * const req = checkRequirement({ acr: 'urn:mfa', maxAge: 300 });
 */
export function checkRequirement(requirement: AuthRequirement): { acrValues: string[]; maxAge?: number } {
  const acr = requirement.acr === undefined ? [] : typeof requirement.acr === 'string' ? [requirement.acr] : [...requirement.acr];
  if (acr.some((a) => typeof a !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(a))) throw new TypeError('bffkit: requireAuth acr values must be non-empty visible ASCII');
  const { maxAge } = requirement;
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0)) throw new TypeError('bffkit: requireAuth maxAge must be a whole number of seconds');
  return maxAge === undefined ? { acrValues: acr } : { acrValues: acr, maxAge };
}
