import { describe, expect, it } from 'vitest';
import { errorResponse } from '../core/http/response';
import { toCallResult } from './call-backend';

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('toCallResult: a backend answer as a plain value for Server Actions', () => {
  it('answers ok with the parsed JSON, null for an empty body, the text for a non-JSON one', async () => {
    expect(await toCallResult(json([{ id: 1 }]))).toEqual({ ok: true, status: 200, data: [{ id: 1 }] });
    expect(await toCallResult(new Response(null, { status: 204 }))).toEqual({ ok: true, status: 204, data: null });
    expect(await toCallResult(new Response('plain', { status: 200 }))).toEqual({ ok: true, status: 200, data: 'plain' });
  });

  it("passes bffkit's own refusals through with their code (session_expired, unauthenticated, upstream down)", async () => {
    for (const code of ['session_expired', 'unauthenticated', 'upstream_unavailable', 'store_unavailable'] as const) {
      const result = await toCallResult(errorResponse(code, 'Because.'));
      expect(result).toMatchObject({ ok: false, code, message: 'Because.' });
    }
  });

  it("marks the backend's own errors backend_error and keeps their body", async () => {
    expect(await toCallResult(json({ error: 'title_required' }, 422))).toEqual({
      ok: false,
      status: 422,
      code: 'backend_error',
      message: 'The backend answered 422.',
      data: { error: 'title_required' },
    });
    // A known code at the wrong status, or with more fields, is not bffkit's.
    expect((await toCallResult(json({ code: 'session_expired', message: 'x' }, 500))).ok === false && (await toCallResult(json({ code: 'session_expired', message: 'x' }, 500)))).toMatchObject({ code: 'backend_error' });
    expect(await toCallResult(json({ code: 'unauthenticated', message: 'x', detail: 1 }, 401))).toMatchObject({ code: 'backend_error' });
  });

  it('is serialisable as it is (a Server Action returns it to the browser)', async () => {
    const result = await toCallResult(errorResponse('session_expired', 'Your session has ended. Sign in again.'));
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});
