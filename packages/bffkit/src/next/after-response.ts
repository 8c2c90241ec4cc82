import { after } from 'next/server';
import type { BffOptions } from '../core/config';

/**
 * The options with event delivery handed to Next's `after()` (the app's own `afterResponse` wins).
 * Why: `after()` runs the delivery once the response is sent, and on serverless platforms keeps the
 * instance alive until it is done (`waitUntil`). Where Next has no request scope (for example during
 * start-up), `after()` throws and the core falls back to the next turn of the event loop.
 *
 * @example
 * const core = createBff(withNextAfter(options));
 */
export function withNextAfter(options: BffOptions): BffOptions {
  if (!options || typeof options !== 'object' || options.afterResponse || !options.events) return options;
  return { ...options, afterResponse: (task) => after(task) };
}
