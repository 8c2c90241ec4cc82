import { transientError } from '../backends/failure';
import { accessTokenExpiry } from '../backends/token-set';
import type { BffContext, RouteAction } from '../context';
import { BffError } from '../errors';
import { mediaType } from '../http/request-body';
import { errorResponse, json, toErrorResponse, withCookies } from '../http/response';
import { toClientSession } from '../session/client-view';
import { startSession } from '../session/start';
import { ONE_DAY } from '../time';
import type { SessionUser, TokenSet } from '../types';
import { attemptLimit, type AttemptLimit } from './attempt-limit';
import { readRequestBody } from './body';

/** Longest token accepted (characters). */
const MAX_TOKEN = 8 * 1024;
/** Longest `expires_in` accepted; a client value can only shorten the session anyway. */
const MAX_EXPIRES_IN = 365 * ONE_DAY;
// Visible ASCII only: the token goes into an Authorization header later.
const TOKEN_CHARS = /^[\x21-\x7e]+$/;
// One message for every rejection reason: the client learns nothing about why.
const REJECTED = 'The token was not accepted.';

/**
 * `POST {basePath}/handoff`: the browser hands over tokens it got from the backend directly
 * (`{ access_token, refresh_token?, expires_in? }`). The access token is verified before anything
 * is kept; only then a fresh session replaces whatever session the request carried, exactly as
 * after a login. Off unless `handoff` is configured (404). JSON with the anti-forgery header only.
 */
export const handoffAction: RouteAction = async (ctx, request) => {
  const verifier = ctx.handoffVerifier;
  if (!verifier) return errorResponse('not_found', 'No such auth route.');
  // Why JSON only: a cross-site HTML form can post urlencoded bodies without preflight; a token
  // handoff has no no-JavaScript path that would justify accepting one (docs/security.md 14).
  if (mediaType(request) !== 'application/json') return errorResponse('unsupported_media_type', 'Send application/json.');
  const body = await readRequestBody(ctx, request);
  if (!body.ok) return body.response;
  if (body.mode !== 'json') return errorResponse('unsupported_media_type', 'Send application/json.');
  try {
    const input = parseInput(body.fields);
    // Counted per client address (known only behind a trusted proxy); a rejected token stays counted.
    const limit = attemptLimit(ctx.config, request, 'handoff');
    const reserved = await limit.reserve();
    if (!reserved.ok) throw reserved.error;

    const now = ctx.config.clock();
    const verified = await verifier.verify(input.accessToken, now);
    if (!verified.ok) {
      if (verified.reason !== 'rejected') throw await notCounted(limit, transientError(verified.reason));
      throw rejected(ctx, verified.category);
    }
    const tokens: TokenSet = {
      accessToken: input.accessToken,
      refreshToken: input.refreshToken,
      // A client-sent expires_in can shorten the verified exp but never extend it.
      expiresAt: accessTokenExpiry(input.accessToken, input.expiresIn, now),
      issuedAt: now,
    };
    // Display data comes from the backend, never from claims the client could have chosen.
    const user: SessionUser = verified.user ?? (await backendUser(ctx, limit, tokens));
    await limit.succeeded();

    const { session, cookies } = await startSession(ctx, request, user, tokens);
    ctx.config.logger.info('handoff accepted: new session');
    ctx.telemetry.event('handoff.accepted', {}, session);
    return withCookies(json(toClientSession(session, ctx.config)), cookies);
  } catch (error) {
    ctx.telemetry.handoffFailed(error);
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

async function backendUser(ctx: BffContext, limit: AttemptLimit, tokens: TokenSet): Promise<SessionUser> {
  const user = await ctx.config.backend.user(tokens);
  if (user.ok) return user.value;
  if (user.reason === 'rejected') throw rejected(ctx, 'user endpoint refused the token');
  throw await notCounted(limit, transientError(user.reason));
}

/** Logs one line with the reason category (never the token) and builds the 401. */
function rejected(ctx: BffContext, why: string): BffError {
  ctx.config.logger.warn(`handoff rejected: ${why}`);
  return new BffError('token_rejected', REJECTED);
}

/** A backend that is down says nothing about the token: the attempt is given back. */
async function notCounted(limit: AttemptLimit, error: BffError): Promise<BffError> {
  await limit.succeeded();
  return error;
}

function invalid(message: string): BffError {
  return new BffError('invalid_request', message);
}

function isToken(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN && TOKEN_CHARS.test(value);
}

