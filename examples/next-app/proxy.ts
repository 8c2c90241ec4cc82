import { bff } from '@/lib/bff';

// Refreshes due tokens before rendering (so Server Components see them) and sends anonymous visitors of
// protected pages to /login. The route handlers and pages still check the session themselves.
export const proxy = bff.proxy({ protectedPaths: ['/profile', '/notes', '/sessions', '/payments', '/billing'] });

export const config = {
  // Not /api/auth, /api/backend or /api/files: those route handlers load (and refresh) the session themselves.
  // Why /api/backend must stay out: for every request proxy.ts runs on, Next.js buffers the whole
  // request body in memory (to hand a copy to the proxy) and silently truncates it at 10 MB
  // (`experimental.proxyClientMaxBodySize`), which would break streaming uploads and corrupt large ones.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|api/auth|api/backend|api/files).*)'],
};
