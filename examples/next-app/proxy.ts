import { bff } from '@/lib/bff';

// Refreshes due tokens before rendering (so Server Components see them) and sends anonymous visitors of
// protected pages to /login. The route handlers and pages still check the session themselves.
// First it answers with a 4xx JSON error the malformed requests Next itself would answer with a 500
// (unparseable Server Action posts, cross-origin or malformed Origin on them, a broken router state
// tree), before the session is read, so a refused request never touches it.
export const proxy = bff.proxy({ protectedPaths: ['/profile', '/notes', '/dashboard', '/sessions', '/resource', '/payments', '/billing', '/cached'] });

export const config = {
  // Literal values only: Next reads this object at build time.
  matcher: [
    // Protected pages (the protectedPaths above): always, so anonymous visitors go to /login.
    '/profile/:path*',
    '/notes/:path*',
    '/dashboard/:path*',
    '/sessions/:path*',
    '/resource/:path*',
    '/payments/:path*',
    '/billing/:path*',
    '/cached/:path*',
    // Every other page only when the request carries bffkit's cookie (`bffkit`, `__Host-bffkit`, chunks):
    // then there is a session to refresh or a bad cookie to clear. Without one proxy.ts has nothing to do,
    // and skipping it serves a page's static shell as fast as a static page.
    // Not the route handlers under /api/auth/, /api/backend/ or /api/files/: they load (and refresh) the
    // session themselves. Why they must stay out: for every request proxy.ts runs on, Next.js buffers the
    // whole request body in memory (to hand a copy to the proxy) and silently truncates it at 10 MB
    // (`experimental.proxyClientMaxBodySize`), which would break streaming uploads and corrupt large ones.
    {
      source: '/((?!_next/static|_next/image|favicon.ico|api/auth/|api/backend/|api/files/).*)',
      has: [{ type: 'header', key: 'cookie', value: '.*bffkit.*' }],
    },
    // Any path (static files and the bare /api/auth and /api/backend prefixes included: Next parses a
    // Server Action there too) when the request carries what makes Next parse it as a Server Action or
    // an RSC navigation, so the guard answers what Next would fail on with a 500. A plain GET never does.
    { source: '/((?!api/auth/|api/backend/|api/files/).*)', has: [{ type: 'header', key: 'next-action' }] },
    { source: '/((?!api/auth/|api/backend/|api/files/).*)', has: [{ type: 'header', key: 'next-router-state-tree' }] },
    { source: '/((?!api/auth/|api/backend/|api/files/).*)', has: [{ type: 'header', key: 'content-type', value: 'multipart/form-data.*' }] },
  ],
};
