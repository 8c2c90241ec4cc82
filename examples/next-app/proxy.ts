import { bff } from '@/lib/bff';

// Refreshes due tokens before rendering (so Server Components see them), sends anonymous visitors of
// protected pages to /login, and answers anonymous API calls with 401 JSON. The route handlers and
// pages still check the session themselves.
export const proxy = bff.proxy({ protectedPaths: ['/profile', '/notes', '/api/backend'] });

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico|api/auth).*)'],
};
