import { bff } from './lib/bff.js';

export const proxy = bff.proxy({ protectedPaths: ['/private'] });

export const config = {
  matcher: [
    // The README's matcher: protected paths always, every other page only with bffkit's cookie.
    '/private/:path*',
    // /always: the same page as /shell, but proxy.ts runs for every request (the old README matcher).
    '/always/:path*',
    { source: '/((?!_next/static|_next/image|favicon.ico|api/auth).*)', has: [{ type: 'header', key: 'cookie', value: '.*bffkit.*' }] },
  ],
};
