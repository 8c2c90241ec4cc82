/**
 * Small HTTP helpers for tests that talk to the running example app with `fetch`.
 */

/** One parsed `Set-Cookie` header. Attribute names are lower-cased; flags map to `true`. */
export type SetCookie = {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
};

/**
 * Parses one `Set-Cookie` header value.
 *
 * @example
 * parseSetCookie('bffkit=abc; Path=/; HttpOnly').attributes.httponly // true
 */
export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...parts] = header.split(';');
  const eq = pair.indexOf('=');
  const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
  const value = eq === -1 ? '' : pair.slice(eq + 1).trim();
  const attributes: Record<string, string | true> = {};
  for (const part of parts) {
    const i = part.indexOf('=');
    const key = (i === -1 ? part : part.slice(0, i)).trim().toLowerCase();
    if (key) attributes[key] = i === -1 ? true : part.slice(i + 1).trim();
  }
  return { name, value, attributes };
}

/** Every `Set-Cookie` of a response, parsed. */
export function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map(parseSetCookie);
}

/** A minimal cookie jar: name → value, fed from responses, rendered as a `Cookie` header. */
export type CookieJar = {
  /** Applies every Set-Cookie of the response (Max-Age<=0 or a past Expires deletes). */
  store(response: Response): void;
  /** The `Cookie` request header value ('' when empty). */
  header(): string;
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
  names(): string[];
  clear(): void;
};

/**
 * Creates an empty cookie jar.
 *
 * @example
 * const jar = cookieJar();
 * jar.store(await jsonPost(`${app.url}/api/auth/login`, creds));
 * await fetch(`${app.url}/api/auth/session`, { headers: { cookie: jar.header() } });
 */
export function cookieJar(initial: Record<string, string> = {}): CookieJar {
  const values = new Map<string, string>(Object.entries(initial));
  return {
    store(response) {
      for (const c of setCookies(response)) {
        if (isDeletion(c)) values.delete(c.name);
        else values.set(c.name, c.value);
      }
    },
    header: () => [...values].map(([k, v]) => `${k}=${v}`).join('; '),
    get: (name) => values.get(name),
    set: (name, value) => void values.set(name, value),
    delete: (name) => void values.delete(name),
    names: () => [...values.keys()],
    clear: () => values.clear(),
  };
}

function isDeletion(c: SetCookie): boolean {
  const maxAge = c.attributes['max-age'];
  if (typeof maxAge === 'string' && Number(maxAge) <= 0) return true;
  const expires = c.attributes.expires;
  return typeof expires === 'string' && Date.parse(expires) <= Date.now();
}

/** Options for {@link jsonPost} and {@link getJson}. */
export type RequestOptions = {
  /** A Cookie header value, or a jar (sent, then updated from the response). */
  cookie?: string | CookieJar;
  /** Extra or overriding headers. A header set to `null` is removed (e.g. `{ 'x-csrf': null }`). */
  headers?: Record<string, string | null>;
  /** HTTP method. @default 'POST' for jsonPost, 'GET' for getJson */
  method?: string;
};

/**
 * POSTs JSON the way the browser client does: `x-csrf: 1` and `origin: <origin of url>` are set
 * by default; redirects are not followed.
 *
 * @example
 * const res = await jsonPost(`${app.url}/api/auth/login`, { email, password }, { cookie: jar });
 */
export async function jsonPost(url: string, body: unknown, options: RequestOptions = {}): Promise<Response> {
  const defaults = {
    'content-type': 'application/json',
    'x-csrf': '1',
    origin: new URL(url).origin,
  };
  return send(url, options.method ?? 'POST', defaults, JSON.stringify(body), options);
}

/**
 * GETs a URL with the jar's cookies (redirects not followed).
 *
 * @example
 * const session = await (await getJson(`${app.url}/api/auth/session`, { cookie: jar })).json();
 */
export async function getJson(url: string, options: RequestOptions = {}): Promise<Response> {
  return send(url, options.method ?? 'GET', { accept: 'application/json' }, undefined, options);
}

async function send(
  url: string,
  method: string,
  defaults: Record<string, string>,
  body: string | undefined,
  options: RequestOptions,
): Promise<Response> {
  const headers = new Headers(defaults);
  const jar = typeof options.cookie === 'object' ? options.cookie : undefined;
  const cookie = typeof options.cookie === 'string' ? options.cookie : jar?.header();
  if (cookie) headers.set('cookie', cookie);
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    if (v === null) headers.delete(k);
    else headers.set(k, v);
  }
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  jar?.store(response);
  return response;
}
