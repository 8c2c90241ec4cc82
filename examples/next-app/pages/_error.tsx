import type { NextPageContext } from 'next';

/**
 * The Pages Router error page, in an App Router app on purpose. Two kinds of request fail inside
 * Next.js (16.4) before any route handler, proxy.ts or bffkit runs, and Next answers both by rendering
 * `/_error`, which an App-Router-only build does not have (so the client got a bare 500):
 *
 * - Malformed percent-encoding in a path (`/api/backend/%zz`): Next cannot decode the catch-all param
 *   and renders `/_error` with status 400.
 * - TRACE (and the other methods the Fetch API refuses): Next cannot build the `Request` object for the
 *   route handler or proxy.ts ("'TRACE' HTTP method is unsupported") and renders `/_error` with status
 *   500. That is the client's mistake, not the server's: 405. Next still logs the TypeError.
 *
 * Under /api the answer is bffkit's error JSON (docs/security.md 18, 21); elsewhere a short page. Nothing
 * about the request or the error is echoed. App Router pages keep using app/error.tsx.
 */
type Props = { statusCode: number };

const FETCH_FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

const ERRORS: Record<number, { code: string; message: string }> = {
  400: { code: 'invalid_request', message: 'The request is malformed.' },
  405: { code: 'method_not_allowed', message: 'This method is not allowed.' },
};
const INTERNAL = { code: 'internal_error', message: 'Something went wrong.' };

export default function ErrorPage({ statusCode }: Props) {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem' }}>
      <h1>{(ERRORS[statusCode] ?? INTERNAL).message}</h1>
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </main>
  );
}

ErrorPage.getInitialProps = ({ req, res }: NextPageContext): Props => {
  if (!res) return { statusCode: 500 };
  if (FETCH_FORBIDDEN_METHODS.has((req?.method ?? '').toUpperCase())) res.statusCode = 405;
  const statusCode = res.statusCode;
  // Next may render this page twice for one request (once "for reporting"); answer once.
  if (res.headersSent) return { statusCode };
  res.setHeader('x-content-type-options', 'nosniff');
  if ((req?.url ?? '').startsWith('/api/')) {
    const error = ERRORS[statusCode] ?? INTERNAL;
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'private, no-store');
    res.end(JSON.stringify(error));
  }
  return { statusCode };
};
