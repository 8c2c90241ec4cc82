/**
 * A login or refresh answer → the session's tokens, by the configured field paths and expiry rule;
 * a missing field becomes a failure whose diagnostic names the path, the keys that are there and,
 * when one looks right, the path to configure instead.
 */
import type { TokenSet } from '../types';
import type { BackendResult } from './adapter';
import { isObject, unparseable, type Answer } from './backend-call';
import { backendFailure } from './classify';
import type { ExpiryRule, ResolvedCredentials, TokenPaths } from './credentials-types';
import { safeKeys, type BackendStep } from './diagnostics';
import { ACCESS_TOKEN_KEY, deepestObject, findPaths, readPath, REFRESH_TOKEN_KEY } from './field-path';
import { absoluteExpiry, toTokenSet, type TokenAnswer } from './token-set';

/**
 * The tokens of a 2xx answer, or the `unparseable` / `missing-field` failure.
 *
 * @example
 * const tokens = tokensFrom(o, 'login', answer, o.tokens);
 */
export function tokensFrom(
  o: ResolvedCredentials,
  step: Extract<BackendStep, 'login' | 'refresh'>,
  answer: Answer,
  paths: Required<TokenPaths>,
  previous?: Pick<TokenSet, 'refreshToken'>,
): BackendResult<TokenSet> {
  const data = answer.data;
  if (!isObject(data)) return unparseable(step, answer);
  const option = step === 'refresh' ? 'refresh.tokens' : 'tokens';
  const access = readPath(data, paths.access);
  if (typeof access !== 'string' || access === '') return missingField(step, answer, `${option}.access`, paths.access, ACCESS_TOKEN_KEY);
  const refresh = paths.refresh === false ? undefined : readPath(data, paths.refresh);
  if (step === 'refresh' && o.refresh.rotates && paths.refresh !== false && (typeof refresh !== 'string' || refresh === '')) {
    return missingField(step, answer, `${option}.refresh`, paths.refresh, REFRESH_TOKEN_KEY);
  }
  const now = o.clock();
  const tokens = toTokenSet({ accessToken: access, refreshToken: refresh, ...expiryOf(paths.expiry, data, now) }, now, previous);
  if (!tokens) return missingField(step, answer, `${option}.access`, paths.access, ACCESS_TOKEN_KEY);
  // No refresh token: the current access token is what buys the next one (Payload), so it is kept
  // where the core keeps refresh tokens, which also keys the single flight by it.
  if (o.refresh.mode === 'access-token') tokens.refreshToken = tokens.accessToken;
  return { ok: true, value: tokens };
}

function expiryOf(rule: ExpiryRule, data: Record<string, unknown>, now: number): Pick<TokenAnswer, 'expiresIn' | 'expiresAt'> {
  if (rule === 'jwt') return {};
  if ('lifetime' in rule) return { expiresIn: rule.lifetime };
  const value = readPath(data, rule.path);
  return rule.unit === 'seconds' ? { expiresIn: value } : { expiresAt: absoluteExpiry(value, rule.unit, now) };
}

/**
 * The `missing-field` failure of a 2xx answer without a usable value at `path`.
 *
 * @example
 * return missingField('login', answer, 'tokens.access', 'data.access_token', ACCESS_TOKEN_KEY);
 */
export function missingField(step: BackendStep, answer: Answer, option: string, path: string, looksRight?: RegExp): BackendResult<never> {
  const { at, value } = deepestObject(answer.data, path);
  const keys = safeKeys(value);
  const where = `${at ? `\`${at}\`` : 'the answer'} has ${keys.length ? `keys: ${keys.join(', ')}` : 'no keys'}`;
  const candidate = looksRight ? findPaths(answer.data, (k, v) => looksRight.test(k) && typeof v === 'string' && v !== '').find((p) => p !== path) : undefined;
  return backendFailure('unavailable', {
    step, kind: 'missing-field', request: answer.request, status: answer.status,
    problem: `${answer.request} answered ${answer.status} without a string at \`${path}\` (${where})`,
    hint: candidate ? `set ${option}: '${candidate}'` : `set ${option} to the field path of that value, e.g. 'data.${path}'`,
  });
}
