/**
 * A recording transport for `check-backend`: each exchange's method, path, status and JSON body,
 * kept in memory for the analysis (field names, expiry candidates). Bodies are never printed: the
 * report shows keys and paths only.
 */

/** One exchange as seen on the wire. */
export interface Exchange {
  method: string;
  path: string;
  status: number;
  /** The parsed JSON body (undefined when none or not JSON). */
  json: unknown;
}

/** The recorder: a `fetch` to hand to `credentialsBackend`, and what went through it. */
export interface Recorder {
  fetch: typeof fetch;
  exchanges: Exchange[];
  /** The latest exchange whose path ends with `suffix`. */
  last(suffix: string): Exchange | undefined;
}

/**
 * A recorder around the global fetch.
 *
 * @example
 * const recorder = recordingFetch();
 * const backend = credentialsBackend({ url, fetch: recorder.fetch });
 */
export function recordingFetch(): Recorder {
  const exchanges: Exchange[] = [];
  const recorded: typeof fetch = async (input, init) => {
    const res = await globalThis.fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? 'GET').toUpperCase();
    const copy = res.clone();
    let json: unknown;
    try {
      json = JSON.parse(await copy.text());
    } catch {
      json = undefined;
    }
    exchanges.push({ method, path: url.pathname, status: res.status, json });
    return res;
  };
  return {
    fetch: recorded,
    exchanges,
    last: (suffix) => [...exchanges].reverse().find((e) => e.path.endsWith(suffix)),
  };
}
