// Next's own floor: a dynamic route handler answering 1 KB from memory, no upstream.
export const dynamic = 'force-dynamic';

const BODY = 'x'.repeat(1024);

export function GET() {
  return new Response(BODY, { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
}
