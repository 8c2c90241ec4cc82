import { describe, expect, it } from 'vitest';
import { BffError } from '../errors';
import { contentLength, limitBody, readBody } from './body-limit';

function chunks(...sizes: number[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const size of sizes) controller.enqueue(new Uint8Array(size).fill(1));
      controller.close();
    },
  });
}
const drain = async (stream: ReadableStream<Uint8Array>) => {
  let n = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) n += chunk.byteLength;
  return n;
};

describe('body limits', () => {
  it('parses Content-Length strictly: absent is null, anything but digits is NaN', () => {
    expect(contentLength(new Headers())).toBeNull();
    expect(contentLength(new Headers({ 'content-length': '42' }))).toBe(42);
    for (const bad of ['-1', '1e3', '0x10', '1,2', 'abc', '1.5', '9'.repeat(20)]) {
      expect(contentLength(new Headers({ 'content-length': bad }))).toBeNaN();
    }
  });

  it('passes a stream at or under the limit through unchanged', async () => {
    expect(await drain(limitBody(chunks(10, 20, 30), 60))).toBe(60);
  });

  it('fails a stream with payload_too_large as soon as it passes the limit', async () => {
    const error = await drain(limitBody(chunks(10, 20, 31), 60)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BffError);
    expect((error as BffError).code).toBe('payload_too_large');
  });

  it('reads a small body into one buffer and refuses one over the limit', async () => {
    expect((await readBody(chunks(3, 4), 7)).byteLength).toBe(7);
    expect((await readBody(chunks(), 7)).byteLength).toBe(0);
    await expect(readBody(chunks(3, 5), 7)).rejects.toMatchObject({ code: 'payload_too_large' });
  });
});
