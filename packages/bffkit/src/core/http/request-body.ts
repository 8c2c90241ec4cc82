/**
 * Reading request bodies within limits (docs/security.md 21: body-size limit → 413). One reader,
 * {@link peekBody}, serves both the auth routes (small bodies read whole) and forwarding (small
 * bodies buffered for a retry, large ones streamed without buffering).
 */
import { BffError } from '../errors';

/** Largest body of an auth route request (login, logout, handoff, back-channel logout). */
export const MAX_FORM_BODY = 16 * 1024;

/**
 * The request's media type, lower-cased, without parameters (`''` when absent).
 *
 * @example
 * mediaType(request); // 'application/json' for 'Application/JSON; charset=utf-8'
 */
export function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The whole body as UTF-8 text, or null when it is larger than `limit` bytes (declared or actual).
 * An unreadable body throws `invalid_request`.
 *
 * @example
 * const text = await readText(request, MAX_FORM_BODY);
 * if (text === null) return errorResponse('payload_too_large', 'Request body too large.');
 */
export async function readText(request: Request, limit: number): Promise<string | null> {
  const declared = contentLength(request.headers);
  if (declared !== null && declared > limit) return null;
  if (!request.body) return '';
  try {
    // With the buffer as large as the limit, the body is either complete or refused.
    const peeked = await peekBody(request.body, limit, limit);
    return peeked.complete ? new TextDecoder().decode(peeked.bytes) : null;
  } catch (error) {
    if (error instanceof BffError && error.code === 'payload_too_large') return null;
    throw error;
  }
}

/** The error a body stream fails with once it passes its limit. */
export function payloadTooLarge(): BffError {
  return new BffError('payload_too_large', 'The request body is too large.');
}

/**
 * Parses a Content-Length header: null when absent, NaN when malformed.
 *
 * @example
 * contentLength(request.headers); // 1234
 */
export function contentLength(headers: Headers): number | null {
  const raw = headers.get('content-length');
  if (raw === null) return null;
  return /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
}

/**
 * Passes a byte stream through unchanged, failing it with `payload_too_large` as soon as more
 * than `maxBytes` have gone by. Nothing is buffered beyond the chunk in flight.
 *
 * @example
 * const body = limitBody(request.body, 10 * 1024 * 1024);
 */
export function limitBody(stream: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(payloadTooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
}

/** A body read up front: complete (replayable) when it fitted, else a stream of the same bytes. */
export type PeekedBody = { complete: true; bytes: Uint8Array } | { complete: false; stream: ReadableStream<Uint8Array> };

/**
 * Reads up to `bufferBytes` of a body. If the body ends within that, it is returned as one buffer
 * (so it can be sent twice, e.g. retried after a 401); otherwise the bytes read so far and the
 * rest continue as one stream, limited to `maxBytes`. Memory stays bounded by `bufferBytes`.
 *
 * @example
 * const peeked = await peekBody(request.body, 64 * 1024, 10 * 1024 * 1024);
 * const body = peeked.complete ? peeked.bytes : peeked.stream;
 */
export async function peekBody(stream: ReadableStream<Uint8Array>, bufferBytes: number, maxBytes: number): Promise<PeekedBody> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  while (size <= bufferBytes) {
    const { done, value } = await reader.read().catch(() => {
      throw new BffError('invalid_request', 'The request body could not be read.');
    });
    if (done) return { complete: true, bytes: concat(chunks, size) };
    size += value.byteLength;
    chunks.push(value);
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw payloadTooLarge();
    }
  }
  const rest = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        for (const chunk of chunks.splice(0)) controller.enqueue(chunk);
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return { complete: false, stream: limitBody(rest, maxBytes) };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
