import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-ip';

function req(xff?: string | string[]): Request {
  const h = new Headers();
  for (const v of xff === undefined ? [] : Array.isArray(xff) ? xff : [xff]) h.append('x-forwarded-for', v);
  return new Request('http://localhost/', { headers: h });
}

describe('clientAddress', () => {
  it('ignores X-Forwarded-For when no proxy is trusted and uses the socket address', () => {
    expect(clientAddress(req('1.2.3.4'), { trustProxy: false }, '10.0.0.1')).toBe('10.0.0.1');
    expect(clientAddress(req('1.2.3.4'), { trustProxy: 0 }, '10.0.0.1')).toBe('10.0.0.1');
  });

  it("answers 'unknown' without a trusted proxy or a valid socket address", () => {
    expect(clientAddress(req('1.2.3.4'), { trustProxy: false })).toBe('unknown');
    expect(clientAddress(req(), { trustProxy: false }, 'not-an-ip')).toBe('unknown');
  });

  it('with one trusted proxy takes the right-most entry (what the proxy saw)', () => {
    expect(clientAddress(req('6.6.6.6, 203.0.113.7'), { trustProxy: true })).toBe('203.0.113.7');
    expect(clientAddress(req('203.0.113.7'), { trustProxy: 1 })).toBe('203.0.113.7');
  });

  it('cannot be spoofed by a client prepending entries', () => {
    const forged = req('1.1.1.1, 2.2.2.2, 3.3.3.3, 198.51.100.9');
    expect(clientAddress(forged, { trustProxy: true })).toBe('198.51.100.9');
  });

  it('with N trusted proxies takes the entry N from the right', () => {
    expect(clientAddress(req('6.6.6.6, 203.0.113.7, 10.0.0.2'), { trustProxy: 2 })).toBe('203.0.113.7');
  });

  it('reads several X-Forwarded-For headers as one list', () => {
    expect(clientAddress(req(['6.6.6.6', '203.0.113.7, 10.0.0.2']), { trustProxy: 2 })).toBe('203.0.113.7');
  });

  it('falls back to the socket address when the list is shorter than the trusted hops', () => {
    expect(clientAddress(req('203.0.113.7'), { trustProxy: 2 }, '10.0.0.3')).toBe('10.0.0.3');
    expect(clientAddress(req(), { trustProxy: true })).toBe('unknown');
  });

  it("answers 'unknown' for an entry that is not an IP address", () => {
    for (const bad of ['evil', '999.1.1.1', '1.2.3', '', ' ', 'unknown', '1.2.3.4/24', '::g', '[1.2.3.4]', '1.2.3.4:port', 'x'.repeat(100)]) {
      expect(clientAddress(req(`5.5.5.5, ${bad}`), { trustProxy: true })).toBe('unknown');
    }
  });

  it('normalises IPv6 to lower case and IPv4-mapped IPv6 to IPv4', () => {
    expect(clientAddress(req('2001:DB8::1'), { trustProxy: true })).toBe('2001:db8::1');
    expect(clientAddress(req('::FFFF:203.0.113.7'), { trustProxy: true })).toBe('203.0.113.7');
    expect(clientAddress(req('0:0:0:0:0:ffff:203.0.113.7'), { trustProxy: true })).toBe('203.0.113.7');
  });

  it('strips ports and IPv6 brackets added by some proxies', () => {
    expect(clientAddress(req('203.0.113.7:51234'), { trustProxy: true })).toBe('203.0.113.7');
    expect(clientAddress(req('[2001:db8::2]:443'), { trustProxy: true })).toBe('2001:db8::2');
    expect(clientAddress(req('[2001:db8::2]'), { trustProxy: true })).toBe('2001:db8::2');
  });

  it('validates the socket address too', () => {
    expect(clientAddress(req(), { trustProxy: false }, '::1')).toBe('::1');
    expect(clientAddress(req(), { trustProxy: false }, '::ffff:127.0.0.1')).toBe('127.0.0.1');
  });

  it('throws TypeError for a nonsensical trustProxy', () => {
    for (const t of [-1, 1.5, Number.NaN]) expect(() => clientAddress(req(), { trustProxy: t })).toThrow(TypeError);
  });
});
