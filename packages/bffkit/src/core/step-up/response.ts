import { json } from '../http/response';
import type { StepUpChallenge } from './challenge';

/** How the browser gets the stronger sign-in: through the provider (redirect) or the app's form. */
export type StepUpSignIn = 'redirect' | 'form';

/** The JSON body of a `step_up_required` answer (what `bffFetch` and `useStepUp()` read). */
export interface StepUpBody extends StepUpChallenge {
  code: 'step_up_required';
  message: string;
  signIn: StepUpSignIn;
}

/**
 * The browser's answer when an upstream asked for a stronger sign-in: 401 JSON with code
 * `step_up_required`, the levels asked for and how to sign in. The upstream's own answer (its body,
 * its WWW-Authenticate) is not passed on. The session is kept: this is not a sign-out.
 *
 * @example
 * return stepUpResponse({ acrValues: ['urn:bffkit:acr:mfa'], maxAge: 300 }, 'redirect');
 */
export function stepUpResponse(challenge: StepUpChallenge, signIn: StepUpSignIn): Response {
  const body: StepUpBody = {
    code: 'step_up_required',
    message: 'This needs a stronger or more recent sign-in.',
    acrValues: challenge.acrValues,
    ...(challenge.maxAge !== undefined ? { maxAge: challenge.maxAge } : {}),
    signIn,
  };
  return json(body, 401);
}
