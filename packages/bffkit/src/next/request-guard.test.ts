import { describe, expect, it } from 'vitest';
import { refuseMalformed } from './request-guard';

const APP = 'http://localhost:3000';
const BOUNDARY = '----bffkit-test';
const form = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('') + `--${BOUNDARY}--\r\n`;

function post(path: string, headers: Record<string, string>, body?: string): Request {
  return new Request(`${APP}${path}`, { method: 'POST', headers: { host: 'localhost:3000', ...headers }, body });
}
const multipart = `multipart/form-data; boundary=${BOUNDARY}`;

async function expectRefused(response: Response | null, status: number, code: string): Promise<void> {
  expect(response).not.toBeNull();
  expect(response!.status).toBe(status);
  expect(response!.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response!.headers.get('cache-control')).toBe('private, no-store');
  expect(response!.headers.get('x-content-type-options')).toBe('nosniff');
  const body = (await response!.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  expect(body.code).toBe(code);
}

describe('refuseMalformed: possible Server Action posts', () => {
  it('lets a well-formed no-JS form action through, and every ordinary request', async () => {
    const ok = post('/sessions', { 'content-type': multipart, origin: APP }, form({ $ACTION_ID_abc: '', id: 'x' }));
    expect(await refuseMalformed(ok)).toBeNull();
    expect(ok.bodyUsed).toBe(false); // the guard reads a clone; Next still gets the body
    expect(await refuseMalformed(new Request(`${APP}/profile`))).toBeNull();
    expect(await refuseMalformed(post('/api/auth/login', { 'content-type': 'application/json', origin: 'http://evil.example' }, '{}'))).toBeNull();
    expect(await refuseMalformed(new Request(`${APP}/x`, { method: 'PUT', headers: { 'content-type': multipart }, body: 'garbage' }))).toBeNull();
  });

  it('answers 400 to a multipart post whose body Next could not parse (no boundary, garbage, truncated, empty)', async () => {
    await expectRefused(await refuseMalformed(post('/', { 'content-type': 'multipart/form-data', origin: APP }, form({ a: '1' }))), 400, 'invalid_request');
    await expectRefused(await refuseMalformed(post('/profile', { 'content-type': multipart }, '\u0000\u00ffgarbage')), 400, 'invalid_request');
    await expectRefused(await refuseMalformed(post('/notes', { 'content-type': multipart }, `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end`)), 400, 'invalid_request');
    await expectRefused(await refuseMalformed(post('/', { 'content-type': `multipart/form-data; boundary=x` }, '')), 400, 'invalid_request');
  });

  it('answers 403 forbidden_origin to a cross-origin, "null" or malformed Origin (Next would 500)', async () => {
    for (const origin of ['http://evil.example', 'null', '://x', 'garbage', 'http://localhost:1', 'https://localhost:3000.evil.example']) {
      await expectRefused(await refuseMalformed(post('/sessions', { 'content-type': multipart, origin }, form({ a: '1' }))), 403, 'forbidden_origin');
      await expectRefused(await refuseMalformed(post('/sessions', { 'next-action': 'abc', origin }, '[]')), 403, 'forbidden_origin');
    }
  });

  it('follows Next on which origins pass: same host, X-Forwarded-Host first, allowedOrigins patterns, no Origin at all', async () => {
    const body = form({ a: '1' });
    expect(await refuseMalformed(post('/', { 'content-type': multipart, origin: 'https://localhost:3000' }, body))).toBeNull();
    expect(await refuseMalformed(post('/', { 'content-type': multipart, origin: 'https://app.example.com', 'x-forwarded-host': 'app.example.com, lb' }, body))).toBeNull();
    await expectRefused(await refuseMalformed(post('/', { 'content-type': multipart, origin: APP, 'x-forwarded-host': 'other.example' }, body)), 403, 'forbidden_origin');
    const options = { allowedOrigins: ['*.example.com'] };
    expect(await refuseMalformed(post('/', { 'content-type': multipart, origin: 'https://a.example.com' }, body), options)).toBeNull();
    await expectRefused(await refuseMalformed(post('/', { 'content-type': multipart, origin: 'https://example.com.evil' }, body), options), 403, 'forbidden_origin');
    expect(await refuseMalformed(post('/', { 'content-type': multipart }, body))).toBeNull();
  });

  it('answers 400 to a Next-Action post whose text body is not a JSON array or empty, lets arrays through', async () => {
    for (const body of ['null', '{}', '1', '"x"', 'true']) {
      await expectRefused(await refuseMalformed(post('/', { 'next-action': '00ab', origin: APP, 'content-type': 'application/json' }, body)), 400, 'invalid_request');
    }
    await expectRefused(await refuseMalformed(post('/', { 'next-action': '00ab', origin: APP, 'content-type': 'text/plain' }, '{"a":')), 400, 'invalid_request');
    await expectRefused(await refuseMalformed(post('/', { 'next-action': '00ab', origin: APP })), 400, 'invalid_request');
    expect(await refuseMalformed(post('/', { 'next-action': '00ab', origin: APP, 'content-type': 'text/plain;charset=UTF-8' }, '[]'))).toBeNull();
    expect(await refuseMalformed(post('/', { 'next-action': '00ab', origin: APP, 'content-type': 'text/plain' }, '["$K1"]'))).toBeNull();
  });

  it('answers 400 to a Next-Action post sent as form data without its root field "0" (an arguments array)', async () => {
    for (const fields of [{ a: '1' }, { '0': 'null' }, { '0': '{', '1': 'x' }]) {
      await expectRefused(await refuseMalformed(post('/sessions', { 'next-action': '00ab', 'content-type': multipart }, form(fields))), 400, 'invalid_request');
    }
    expect(await refuseMalformed(post('/sessions', { 'next-action': '00ab', 'content-type': multipart }, form({ '0': '["$K1"]', '1_x': 'y' })))).toBeNull();
  });

  it('leaves URL-encoded posts to Next (it never parses them as actions)', async () => {
    const r = post('/login', { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, '%zz&&=');
    expect(await refuseMalformed(r)).toBeNull();
  });
});

describe('refuseMalformed: the router state tree of RSC requests', () => {
  const tree = (value: string, extra: Record<string, string> = {}) =>
    new Request(`${APP}/profile`, { headers: { rsc: '1', 'next-router-state-tree': value, ...extra } });

  it('lets a valid tree through', async () => {
    const valid = encodeURIComponent(JSON.stringify(['', { children: ['profile', { children: ['__PAGE__', {}] }] }, null, null, true]));
    // Next 16's schema: index 4 is a number or null; `true` is refused, 1 passes.
    expect(await refuseMalformed(tree(valid.replace('true', '1')))).toBeNull();
    expect(await refuseMalformed(tree(encodeURIComponent('["",{}]')))).toBeNull();
  });

  it('answers 400 to a tree Next cannot parse or validate, or one over its size limit', async () => {
    for (const value of ['garbage', '%zz', encodeURIComponent('[""]'), encodeURIComponent('["",{"children":["__PAGE__",{}]},null,null,true]'), encodeURIComponent('['.repeat(500)), 'x'.repeat(40_001)]) {
      await expectRefused(await refuseMalformed(tree(value)), 400, 'invalid_request');
    }
  });

  it('ignores the header when the request is not an RSC request (Next does not read it then)', async () => {
    expect(await refuseMalformed(new Request(`${APP}/`, { headers: { 'next-router-state-tree': 'garbage' } }))).toBeNull();
    expect(await refuseMalformed(tree('garbage', { rsc: '0' }))).toBeNull();
  });
});
