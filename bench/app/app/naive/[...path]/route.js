// The naive proxy people write by hand: `return fetch(backend)` (global fetch, as patched by Next).
// The client sends its own bearer token; there is no session and no header hygiene.
export const dynamic = 'force-dynamic';

const PREFIX = '/naive';

export async function GET(request) {
  const url = new URL(request.url);
  return fetch(process.env.BACKEND_URL + url.pathname.slice(PREFIX.length) + url.search, {
    headers: { authorization: request.headers.get('authorization') ?? '' },
  });
}
