import type { BffContext } from '../context';
import { errorResponse, toErrorResponse } from '../http/response';
import { AUTH_ROUTES } from './table';

/**
 * Dispatches a request under `basePath` to its action: unknown action → 404, known action with
 * another method → 405 with Allow. Any unexpected error becomes a JSON 500 without details.
 *
 * @example
 * return handleAuthRequest(ctx, request); // for POST /api/auth/login
 */
export async function handleAuthRequest(ctx: BffContext, request: Request): Promise<Response> {
  const pathname = new URL(request.url).pathname;
  const base = ctx.config.basePath;
  const action = pathname.startsWith(`${base}/`) ? pathname.slice(base.length + 1).replace(/\/$/, '') : '';
  const methods = Object.hasOwn(AUTH_ROUTES, action) ? AUTH_ROUTES[action] : undefined;
  if (!methods) return errorResponse('not_found', 'No such auth route.');
  const handler = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
  if (!handler) {
    return errorResponse('method_not_allowed', 'Method not allowed.', { allow: Object.keys(methods).join(', ') });
  }
  try {
    return await ctx.telemetry.route(action, request, () => handler(ctx, request));
  } catch (error) {
    ctx.config.logger.error(`auth route ${action} failed: ${(error as Error)?.name ?? 'error'}`);
    return toErrorResponse(error);
  }
}
