/**
 * Headless Chromium for browser tests (playwright-core driving the system Chromium).
 */
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
  type Response as PwResponse,
} from 'playwright-core';

/** Chromium flags: quiet, no network side traffic, runs as root in CI. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Options for {@link launchBrowser}. */
export type LaunchOptions = {
  /** Default for contexts created with the returned `newContext`. @default true */
  javaScriptEnabled?: boolean;
};

/** A launched browser with a context factory. */
export type TestBrowser = {
  browser: Browser;
  /** A fresh, isolated context (own cookies and storage). */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
};

/**
 * Launches headless Chromium from CHROMIUM_PATH (default /usr/bin/chromium).
 *
 * @example
 * const tb = await launchBrowser();
 * const context = await tb.newContext({ javaScriptEnabled: false });
 */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  return {
    browser,
    newContext: (options = {}) =>
      browser.newContext({ javaScriptEnabled: opts.javaScriptEnabled ?? true, ...options }),
    close: () => browser.close(),
  };
}

/** One response seen by the browser, with its request. */
export type RecordedResponse = {
  url: string;
  status: number;
  method: string;
  requestHeaders: Record<string, string>;
  headers: Record<string, string>;
  /** Body as text ('' for redirects and bodiless responses). */
  body: string;
  contentType: string;
};

/** Handle returned by {@link recordResponses}. */
export type ResponseRecorder = {
  /** Responses whose bodies have been read so far. */
  readonly entries: RecordedResponse[];
  /** Waits for every body still being read, then returns all entries. */
  settle(): Promise<RecordedResponse[]>;
  /** Stops recording. */
  stop(): void;
};

/**
 * Records every response (HTML, RSC/flight `text/x-component`, JS chunks, JSON, redirects) of a
 * page or a whole context, for token-leak scans.
 *
 * @example
 * const rec = recordResponses(context);
 * await page.goto(url);
 * const all = await rec.settle();
 */
export function recordResponses(target: Page | BrowserContext): ResponseRecorder {
  const entries: RecordedResponse[] = [];
  const pending = new Set<Promise<void>>();
  const onResponse = (response: PwResponse) => {
    const job = capture(response).then((entry) => void entries.push(entry));
    pending.add(job);
    void job.finally(() => pending.delete(job));
  };
  target.on('response', onResponse);
  return {
    entries,
    async settle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      return entries;
    },
    stop: () => void target.off('response', onResponse),
  };
}

async function capture(response: PwResponse): Promise<RecordedResponse> {
  const request = response.request();
  const [headers, requestHeaders] = await Promise.all([
    response.allHeaders().catch(() => response.headers()),
    request.allHeaders().catch(() => request.headers()),
  ]);
  let body = '';
  const status = response.status();
  if (status < 300 || status >= 400) {
    body = await response.text().catch(() => '');
  }
  return {
    url: response.url(),
    status,
    method: request.method(),
    requestHeaders,
    headers,
    body,
    contentType: headers['content-type'] ?? '',
  };
}

/** Everything a script on the page can read: cookies, both storages and the serialised DOM. */
export type ClientVisibleState = {
  documentCookie: string;
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  html: string;
};

/**
 * Reads what page scripts can see (works with JavaScript disabled in the context too, since
 * Playwright evaluates in an isolated world).
 *
 * @example
 * const state = await clientVisibleState(page);
 * expect(state.documentCookie).not.toContain('bffkit');
 */
export async function clientVisibleState(page: Page): Promise<ClientVisibleState> {
  const state = await page.evaluate(() => {
    const dump = (s: Storage) => {
      const out: Record<string, string> = {};
      for (let i = 0; i < s.length; i++) {
        const key = s.key(i);
        if (key !== null) out[key] = s.getItem(key) ?? '';
      }
      return out;
    };
    return {
      documentCookie: document.cookie,
      localStorage: dump(window.localStorage),
      sessionStorage: dump(window.sessionStorage),
    };
  });
  return { ...state, html: await page.content() };
}
