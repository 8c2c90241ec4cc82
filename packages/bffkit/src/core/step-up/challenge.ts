/**
 * Step-up (RFC 9470): an upstream that needs a stronger or more recent sign-in answers 401 with
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values="…", max_age=…`
 * (or the same in the DPoP scheme). Backends without RFC 9470 can be described by a rule
 * (`upstreams.<name>.stepUp`: a status and a JSON `code`). Either becomes one typed value.
 */
import { readLimitedText } from './read-body';
import { parseChallenges } from './www-authenticate';

/** What the upstream asked for. */
export interface StepUpChallenge {
  /** Acceptable authentication levels (`acr` values), possibly empty. */
  acrValues: string[];
  /** Longest acceptable time since the sign-in, in seconds. */
  maxAge?: number;
}

/** A backend's own "stronger sign-in needed" answer: this status with this JSON `code` (or `error`). */
export interface StepUpRule {
  status: number;
  code: string;
}

const ACR = /^[\x21-\x7e]{1,256}$/;
const MAX_ACR_VALUES = 10;
const MAX_BODY = 16 * 1024;

/**
 * The step-up challenge in an upstream answer, or null when it is not one. Reads the body (of a
 * clone, at most 16 KB) only for a configured rule's status.
 *
 * @example
 * const challenge = await stepUpChallengeOf(response, upstream.stepUp);
 */
export async function stepUpChallengeOf(response: Response, rule?: StepUpRule): Promise<StepUpChallenge | null> {
  if (response.status === 401) {
    for (const c of parseChallenges(response.headers.get('www-authenticate'))) {
      if ((c.scheme === 'bearer' || c.scheme === 'dpop') && c.params.error === 'insufficient_user_authentication') {
        return challengeOf(c.params.acr_values, c.params.max_age);
      }
    }
  }
  if (!rule || response.status !== rule.status || response.body === null) return null;
  const text = await readLimitedText(response.clone(), MAX_BODY);
  let body: unknown;
  try {
    body = text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  if (b.code !== rule.code && b.error !== rule.code) return null;
  return challengeOf(b.acr_values ?? b.acrValues, b.max_age ?? b.maxAge);
}

/**
 * The challenge from raw values, dropping what is not well-formed (never an error: the user can
 * still be asked to sign in again).
 *
 * @example
 * challengeOf('urn:mfa urn:hwk', '300') // { acrValues: ['urn:mfa', 'urn:hwk'], maxAge: 300 }
 */
export function challengeOf(acrValues: unknown, maxAge: unknown): StepUpChallenge {
  const values = (typeof acrValues === 'string' ? acrValues.split(' ') : Array.isArray(acrValues) ? acrValues : []).filter(
    (v): v is string => typeof v === 'string' && ACR.test(v),
  );
  const challenge: StepUpChallenge = { acrValues: [...new Set(values)].slice(0, MAX_ACR_VALUES) };
  const age = typeof maxAge === 'number' ? maxAge : typeof maxAge === 'string' && /^\d{1,10}$/.test(maxAge) ? Number(maxAge) : NaN;
  if (Number.isSafeInteger(age) && age >= 0) challenge.maxAge = age;
  return challenge;
}
