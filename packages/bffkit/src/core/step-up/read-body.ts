/**
 * Reads at most `limit` bytes of a response body as UTF-8; null when it is longer (the rest is
 * cancelled) or unreadable.
 *
 * @example
 * const text = await readLimitedText(response.clone(), 16 * 1024);
 */
export async function readLimitedText(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  return Buffer.concat(chunks).toString('utf8');
}
