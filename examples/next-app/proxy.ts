import { bff } from '@/lib/bff';

// Refreshes due tokens before rendering (so Server Components see them) and sends anonymous visitors of
// protected pages to /login. The route handlers and pages still check the session themselves.
export const proxy = bff.proxy({ protectedPaths: ['/profile', '/notes', '/sessions', '/cached'] });

export const config = {
  matcher: [
    // Protected pages (the protectedPaths above): always, so anonymous visitors go to /login.
    '/profile/:path*',
    '/notes/:path*',
    '/sessions/:path*',
    '/cached/:path*',
    // Every other page only when the request carries bffkit's cookie (`bffkit`, `__Host-bffkit`, chunks):
    // then there is a session to refresh or a bad cookie to clear. Without one proxy.ts has nothing to do,
    // and skipping it serves a page's static shell as fast as a static page.
    // Not /api/auth, /api/backend or /api/files: those route handlers load (and refresh) the session
    // themselves. Why /api/backend must stay out: for every request proxy.ts runs on, Next.js buffers the
    // whole request body in memory (to hand a copy to the proxy) and silently truncates it at 10 MB
    // (`experimental.proxyClientMaxBodySize`), which would break streaming uploads and corrupt large ones.
    {
      source: '/((?!_next/static|_next/image|favicon.ico|api/auth|api/backend|api/files).*)',
      has: [{ type: 'header', key: 'cookie', value: '.*bffkit.*' }],
    },
  ],
};
