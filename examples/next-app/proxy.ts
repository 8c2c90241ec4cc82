import { bff } from '@/lib/bff';

// Refreshes due tokens before rendering (so Server Components see them) and sends anonymous visitors of
// protected pages to /login. The route handlers and pages still check the session themselves.
// Also answers with a 4xx JSON error the malformed requests Next itself would answer with a 500
// (unparseable Server Action posts, cross-origin or malformed Origin on them, a broken router state
// tree), before the session is read, so a refused request never touches it.
export const proxy = bff.proxy({ protectedPaths: ['/profile', '/notes', '/dashboard', '/sessions', '/resource', '/payments', '/billing'] });

export const config = {
  // Literal values only: Next reads this object at build time.
  matcher: [
    // Not the route handlers under /api/auth/, /api/backend/ or /api/files/: they load (and refresh) the
    // session themselves. Why they must stay out: for every request proxy.ts runs on, Next.js buffers the
    // whole request body in memory (to hand a copy to the proxy) and silently truncates it at 10 MB
    // (`experimental.proxyClientMaxBodySize`), which would break streaming uploads and corrupt large ones.
    // Their bare prefixes (/api/auth, /api/backend) have no route handler: Next renders its 404 page
    // there, with the same Server Action parsing as any page, so they do go through here.
    '/((?!_next/static|_next/image|favicon.ico|api/auth/|api/backend/|api/files/).*)',
    // Next's static and image paths only when the request carries what makes Next parse it as a
    // Server Action or an RSC navigation (a plain asset GET never does: assets stay proxy-free).
    { source: '/(_next/static|_next/image|favicon.ico)(.*)', has: [{ type: 'header', key: 'next-action' }] },
    { source: '/(_next/static|_next/image|favicon.ico)(.*)', has: [{ type: 'header', key: 'next-router-state-tree' }] },
    { source: '/(_next/static|_next/image|favicon.ico)(.*)', has: [{ type: 'header', key: 'content-type', value: 'multipart/form-data.*' }] },
  ],
};
