import { NextResponse } from 'next/server';
import { bff } from './lib/bff.js';

/**
 * Forwarding answered in proxy.ts: body-less calls under /api/px go through the very same
 * `forward()` as the route handler (allow-list, CSRF, session + refresh, header hygiene, Set-Cookie
 * stripping, streaming), but skip Next's route-handler pipeline. Calls with a body continue to the
 * route handler app/api/px/[...path], because Next hands proxy.ts a buffered clone of the body
 * that it cuts at `proxyClientMaxBodySize` (10 MB by default).
 */
export function proxy(request) {
  if (request.body !== null) return NextResponse.next();
  return bff.core().forward(request, 'px');
}

export const config = { matcher: ['/api/px/:path*'] };
