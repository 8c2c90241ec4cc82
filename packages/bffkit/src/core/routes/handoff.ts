import { clientAddress } from '../http/client-ip';
import type { ResolvedConfig } from '../config';
import type { BffContext, RouteAction } from '../context';
import { BffError } from '../errors';
import { errorResponse, json, toErrorResponse } from '../http/response';
import { withCookies } from '../http/respond';
import { startSession } from '../session/start';
import { FIVE_MINUTES, ONE_DAY } from '../time';
import { createTokenVerifier, type ResolvedHandoff, type TokenVerifier } from '../backends/token-verifier';
import type { SessionData, SessionUser, TokenSet } from '../types';
import { readRequestBody } from './body';
import { toClientSession } from './session';

/** Longest token accepted (characters). */
const MAX_TOKEN = 8 * 1024;
/** Longest `expires_in` accepted; a client value can only shorten the session anyway. */
const MAX_EXPIRES_IN = 365 * ONE_DAY;
// Visible ASCII only: the token goes into an Authorization header later.
const TOKEN_CHARS = /^[\x21-\x7e]+$/;
// One message for every rejection reason: the client learns nothing about why.
const REJECTED = 'The token was not accepted.';

// Built once per configuration (the remote key set and its cache live inside).
const verifiers = new WeakMap<ResolvedHandoff, TokenVerifier>();

/**
 * `POST {basePath}/handoff`: the browser hands over tokens it got from the backend directly
 * (`{ access_token, refresh_token?, expires_in? }`). The access token is verified before anything
 * is kept; only then a fresh session replaces whatever session the request carried, exactly as
 * after a login. Off unless `handoff` is configured (404). JSON with the anti-forgery header only.
 */
export const handoffAction: RouteAction = async (ctx, request) => {
  const handoff = ctx.config.handoff;
  if (!handoff) return errorResponse('not_found', 'No such auth route.');
  // Why JSON only: a cross-site HTML form can post urlencoded bodies without preflight; a token
  // handoff has no no-JavaScript path that would justify accepting one (SECURITY.md 14).
  if (mediaType(request) !== 'application/json') return errorResponse('unsupported_media_type', 'Send application/json.');
  const body = await readRequestBody(ctx, request);
  if (!body.ok) return body.response;
  if (body.mode !== 'json') return errorResponse('unsupported_media_type', 'Send application/json.');
  try {
    const input = parseInput(body.fields);
    const address = addressKey(ctx.config, request);
    await checkAllowed(ctx.config, address);

    const now = ctx.config.clock();
    const verifier = verifierFor(ctx, handoff);
    const verified = await verifier.verify(input.accessToken, now);
    if (!verified.ok) {
      if (verified.reason !== 'rejected') throw transient(verified.reason);
      throw await reject(ctx.config, address, verified.category);
    }
    const tokens: TokenSet = {
      accessToken: input.accessToken,
      refreshToken: input.refreshToken,
      expiresAt: expiresAt(now, verified.expiresAt, input.expiresIn),
      issuedAt: now,
    };
    // Display data comes from the backend, never from claims the client could have chosen.
    const user: SessionUser = verified.user ?? (await backendUser(ctx, address, tokens));

    const { session, setCookies } = await startSession(ctx, request, user, tokens);
    ctx.config.logger.info('handoff accepted: new session');
    return withCookies(json(toClientSession(session, ctx.config)), setCookies);
  } catch (error) {
    return toErrorResponse(error);
  }
};

type HandoffInput = { accessToken: string; refreshToken: string | undefined; expiresIn: number | undefined };

function parseInput(fields: Record<string, unknown>): HandoffInput {
  const { access_token: access, refresh_token: refresh, expires_in: expiresIn } = fields;
  if (!isToken(access)) throw invalid('access_token must be a token string.');
  if (refresh !== undefined && refresh !== null && !isToken(refresh)) throw invalid('refresh_token must be a token string.');
  if (expiresIn !== undefined && expiresIn !== null) {
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0 || expiresIn > MAX_EXPIRES_IN) {
      throw invalid('expires_in must be a positive number of seconds.');
    }
  }
  return {
    accessToken: access,
    refreshToken: typeof refresh === 'string' ? refresh : undefined,
    expiresIn: typeof expiresIn === 'number' ? Math.floor(expiresIn) : undefined,
  };
}

/**
 * When the kept access token is treated as expired: the earliest of what is known. A client-sent
 * `expires_in` can shorten the verified `exp` but never extend it.
 */
function expiresAt(now: number, verifiedExp: number | undefined, expiresIn: number | undefined): number {
  const candidates = [verifiedExp, expiresIn === undefined ? undefined : now + expiresIn].filter((x): x is number => x !== undefined);
  return candidates.length ? Math.min(...candidates) : now + FIVE_MINUTES;
}

async function backendUser(ctx: BffContext, address: string | null, tokens: TokenSet): Promise<SessionUser> {
  const user = await ctx.config.backend.user(tokens);
  if (user.ok) return user.value;
  if (user.reason === 'rejected') throw await reject(ctx.config, address, 'user endpoint refused the token');
  throw transient(user.reason);
}


function verifierFor(ctx: BffContext, handoff: ResolvedHandoff): TokenVerifier {
  let verifier = verifiers.get(handoff);
  if (!verifier) {
    verifier = createTokenVerifier(handoff, ctx.config.backend);
    verifiers.set(handoff, verifier);
  }
  return verifier;
}

/** The rate-limit key of the client address, or null when the address is unknown (no trusted proxy). */
function addressKey(config: ResolvedConfig, request: Request): string | null {
  const address = clientAddress(request, { trustProxy: config.trustProxy });
  return address === 'unknown' ? null : `handoff:addr:${address}`;
}

async function checkAllowed(config: ResolvedConfig, key: string | null): Promise<void> {
  if (!key) return;
  const { count, resetIn } = await config.loginRateLimit.store.get(key);
  if (count >= config.loginRateLimit.maxPerAddress) {
    throw new BffError('rate_limited', 'Too many rejected tokens. Try again later.', { 'retry-after': String(resetIn) });
  }
}

/** Counts the failure, logs one line with the reason category (never the token) and builds the 401. */
async function reject(config: ResolvedConfig, key: string | null, why: string): Promise<BffError> {
  config.logger.warn(`handoff rejected: ${why}`);
  if (key) await config.loginRateLimit.store.increment(key, config.loginRateLimit.window);
  return new BffError('token_rejected', REJECTED);
}

function transient(reason: 'unavailable' | 'timeout'): BffError {
  return reason === 'timeout'
    ? new BffError('upstream_timeout', 'The backend did not answer in time. Try again.')
    : new BffError('upstream_unavailable', 'The backend is unavailable. Try again.');
}

function invalid(message: string): BffError {
  return new BffError('invalid_request', message);
}

function isToken(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN && TOKEN_CHARS.test(value);
}

function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}
