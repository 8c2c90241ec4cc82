import type { ResolvedConfig } from '../config';
import { safeReturnTo } from '../http/return-to';
import { OIDC_ROUTES } from '../routes/oidc/paths';
import type { StepUpChallenge } from './challenge';

/**
 * Where to send the browser for a step-up, as an app path: for a redirect-based backend (OpenID
 * Connect), the login route with `acr_values` and `max_age`; otherwise the app's login page
 * (re-authentication with the form), flagged `reauth=1`. `returnTo` is validated like every
 * returnTo (docs/security.md 17), and validated again when the login starts.
 *
 * @example
 * stepUpLocation(config, { acrValues: ['urn:bffkit:acr:mfa'], maxAge: 300 }, '/payments')
 * // '/api/auth/oidc/login?acr_values=urn%3Abffkit%3Aacr%3Amfa&max_age=300&returnTo=%2Fpayments'
 */
export function stepUpLocation(config: ResolvedConfig, challenge: StepUpChallenge, returnTo: unknown): string {
  const params = new URLSearchParams();
  const back = safeReturnTo(returnTo, config.defaultReturnTo);
  if (!config.backend.startLogin) {
    params.set('returnTo', back);
    params.set('reauth', '1');
    return `${config.loginPage}?${params}`;
  }
  if (challenge.acrValues.length) params.set('acr_values', challenge.acrValues.join(' '));
  if (challenge.maxAge !== undefined) params.set('max_age', String(challenge.maxAge));
  params.set('returnTo', back);
  return `${config.basePath}/${OIDC_ROUTES.login}?${params}`;
}
