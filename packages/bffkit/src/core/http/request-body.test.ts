import { describe, expect, it } from 'vitest';
import { BffError } from '../errors';
import { contentLength, limitBody, peekBody } from './request-body';

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

  it('returns a body that fits the buffer as one replayable buffer', async () => {
    const peeked = await peekBody(chunks(3, 4), 7, 100);
    expect(peeked.complete && peeked.bytes.byteLength).toBe(7);
    const empty = await peekBody(chunks(), 7, 100);
    expect(empty.complete && empty.bytes.byteLength).toBe(0);
  });

  it('continues a larger body as a stream of the same bytes, still limited', async () => {
    const peeked = await peekBody(chunks(5, 5, 5, 5), 7, 100);
    expect(peeked.complete).toBe(false);
    if (!peeked.complete) expect(await drain(peeked.stream)).toBe(20);
    const over = await peekBody(chunks(5, 5, 5, 5), 7, 18);
    if (over.complete) throw new Error('expected a stream');
    await expect(drain(over.stream)).rejects.toMatchObject({ code: 'payload_too_large' });
  });

  it('refuses while peeking when the limit is below the buffer size', async () => {
    await expect(peekBody(chunks(3, 5), 64, 7)).rejects.toMatchObject({ code: 'payload_too_large' });
  });
});
