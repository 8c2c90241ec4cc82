import { bff } from '@/lib/bff';

// Refreshes due tokens before rendering (so Server Components see them) and sends anonymous visitors of
// protected pages to /login. The route handlers and pages still check the session themselves.
// First it answers with a 4xx JSON error the malformed requests Next itself would answer with a 500
// (unparseable Server Action posts, cross-origin or malformed Origin on them, a broken router state
// tree), before the session is read, so a refused request never touches it.
// With BILLING_ACR set, /billing also needs that sign-in level: a weaker session is sent through the
// step-up sign-in here, with a real redirect, before anything renders (the page checks it again).
const billingAcr = process.env.BILLING_ACR;
export const proxy = bff.proxy({
  protectedPaths: ['/profile', '/notes', '/dashboard', '/sessions', '/resource', '/payments', billingAcr ? { path: '/billing', acr: billingAcr } : '/billing', '/cached'],
});

export const config = {
  // Literal values only: Next reads this object at build time.
  matcher: [
    // Every request but Next's build assets and bffkit's own route handlers (/api/auth/, /api/backend/,
    // /api/files/; their bare prefixes stay in: Next parses a Server Action there too). Narrower
    // matchers (by cookie or by header) let some malformed posts through to Next, which answers them
    // with a 500: a matcher's `has` cannot see a header sent empty (`Next-Action:` with an empty or
    // malformed `Origin`). The route handlers stay out because, for every request proxy.ts runs on,
    // Next.js buffers the whole request body in memory (to hand a copy to the proxy) and silently
    // truncates it at 10 MB (`experimental.proxyClientMaxBodySize`), which would break streaming
    // uploads and corrupt large ones. They load (and refresh) the session themselves.
    '/((?!_next/static/|_next/image|api/auth/|api/backend/|api/files/).*)',
    // Next's build assets only when a request carries what makes Next parse it as a Server Action or
    // an RSC navigation, so the guard answers what Next would fail on with a 500. A plain GET never does.
    { source: '/_next/:path*', has: [{ type: 'header', key: 'next-action' }] },
    { source: '/_next/:path*', has: [{ type: 'header', key: 'next-router-state-tree' }] },
    { source: '/_next/:path*', has: [{ type: 'header', key: 'content-type', value: 'multipart/form-data.*' }] },
  ],
};
