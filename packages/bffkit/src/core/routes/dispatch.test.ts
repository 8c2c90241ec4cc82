import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import { createContext, type BffContext } from '../context';
import { SessionCookie } from '../session/session-cookie';
import { handleAuthRequest } from './dispatch';
import { APP, fakeBackend, fakeClock, get, jsonPost, recordingLogger, SECRET, testBff } from '../testing/support';

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('private, no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  const body = (await res.json()) as { code: string; message: string };
  expect(body.code).toBe(code);
  return body;
}

describe('handleAuthRequest: dispatch', () => {
  it.each(['/api/auth/nope', '/api/auth', '/api/auth/', '/api/authx/login', '/api/auth/login/extra', '/other/login', '/api/auth/LOGIN', '/api/auth/%6cogin'])(
    'answers 404 not_found for %s',
    async (path) => {
      const { bff } = testBff();
      await expectError(await bff.handleAuth(get(path)), 404, 'not_found');
    },
  );

  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('never dispatches to the inherited property %s', async (name) => {
    const { bff } = testBff();
    await expectError(await bff.handleAuth(get(`/api/auth/${name}`)), 404, 'not_found');
    await expectError(await bff.handleAuth(jsonPost(`/api/auth/${name}`, {})), 404, 'not_found');
  });

  it('answers 405 with Allow for a known route and another method', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(get('/api/auth/login'));
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('POST');
    const put = await bff.handleAuth(new Request(`${APP}/api/auth/session`, { method: 'PUT' }));
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('accepts a trailing slash on a route', async () => {
    const { bff } = testBff();
    expect((await bff.handleAuth(get('/api/auth/session/'))).status).toBe(200);
  });

  it('mounts the routes under a custom basePath', async () => {
    const { bff } = testBff({ basePath: '/auth' });
    expect((await bff.handleAuth(get('/auth/session'))).status).toBe(200);
    expect((await bff.handleAuth(get('/api/auth/session'))).status).toBe(404);
  });

  it('turns an unexpected error into a bare 500 and logs only its name', async () => {
    const logger = recordingLogger();
    const config = resolveConfig({ secret: SECRET, baseUrl: APP, backend: fakeBackend(fakeClock()), logger });
    const base = createContext(config);
    class FailingCookie extends SessionCookie {
      override clear(): never {
        throw new TypeError('secret detail: token abc123');
      }
    }
    const ctx: BffContext = { ...base, cookie: new FailingCookie(config, base.sessions) };
    const res = await handleAuthRequest(ctx, get('/api/auth/session', { cookie: 'bffkit=x' }));
    const body = await expectError(res, 500, 'internal_error');
    expect(body.message).toBe('Internal error.');
    expect(JSON.stringify(body)).not.toContain('abc123');
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['auth route session failed: TypeError']);
  });
});
