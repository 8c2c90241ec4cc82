/**
 * What a new user gets (issue 13): a fresh `create-next-app@16.4.3` app with its defaults untouched
 * (Cache Components and Partial Prefetching on; only its Google font removed, which this machine
 * cannot download), plus exactly the files README.md's "Using bffkit in your app" lists (read from
 * the README itself), with the packed library installed from `npm pack`. It must build with no
 * error and no prerender warning, keep its pages partially prerendered, and serve login, the
 * profile (a Server Component backend call), forwarding and logout in Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { createFreshApp, packLibrary, type FreshApp, type RunningFreshApp } from '../support/fresh-app';
import { expectForwardingThenSignOut, textOf, waitForPath, withPage } from '../support/pages';
import { freePort } from '../support/ports';
import { applyLayoutChange, readmeSetup } from '../support/readme-files';

const STEP_TIMEOUT_MS = 10 * 60 * 1000;
const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };
/** What Next prints when a page reads request data, the clock or randomness while prerendering. */
const PRERENDER_TROUBLE = /uncached|runtime data|Date\.now|new Date\(\)|Math\.random|crypto\.|prerender(ing)? error|outside of <Suspense>|⨯|Error:/i;

let app: FreshApp;
let buildOutput: string;
let backend: RunningBackend;
let server: RunningFreshApp;
let browser: TestBrowser;

beforeAll(async () => {
  const tarball = await packLibrary();
  app = await createFreshApp('root');
  await app.install(tarball);
  const { files, layout } = readmeSetup();
  for (const [path, content] of files) await app.write(path, content);
  await app.write('app/layout.tsx', applyLayoutChange(await app.read('app/layout.tsx'), layout));
  buildOutput = await app.build();
  backend = await startBackend();
  const port = await freePort();
  server = await app.start({
    port,
    readyPath: '/login',
    env: { BFF_SECRET: TEST_SECRET, APP_URL: `http://localhost:${port}`, BACKEND_URL: backend.url },
  });
  browser = await launchBrowser();
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  console.log(`readme-app: ${JSON.stringify(app?.timings)}`);
  await browser?.close();
  await server?.stop();
  await backend?.stop();
  await app?.remove();
});

describe('a fresh create-next-app app with the README files and the packed bffkit', () => {
  it('keeps the template as create-next-app made it, plus only the README files', async () => {
    const config = await app.read('next.config.ts');
    expect(config).toMatch(/cacheComponents: true/);
    expect(config).toMatch(/partialPrefetching: true/);
    expect([...readmeSetup().files.keys()].sort()).toEqual([
      'app/api/auth/[...bffkit]/route.ts',
      'app/api/backend/[...path]/route.ts',
      'app/login/page.tsx',
      'app/profile/page.tsx',
      'components/login-form.tsx',
      'components/session-status.tsx',
      'lib/bff.ts',
      'proxy.ts',
    ]);
  });

  it('builds with no error or prerender warning; the pages keep a static shell, /login renders per request', () => {
    expect(buildOutput).toContain('Cache Components enabled');
    const routes = buildOutput.split('\n').filter((l) => /^[┌├└] /.test(l));
    console.log(`readme-app build:\n${routes.join('\n')}`);
    const marker = (route: string) => routes.find((l) => l.endsWith(` ${route}`))?.slice(2, 3);
    expect(marker('/')).toBe('◐');
    expect(marker('/profile')).toBe('◐');
    expect(marker('/_not-found')).toBe('◐');
    expect(marker('/login')).toBe('ƒ');
    expect(buildOutput).not.toMatch(PRERENDER_TROUBLE);
  });

  it('signs in (anonymous /profile → /login), shows the profile from a Server Component call, forwards and signs out', async () => {
    await withPage(browser, {}, async (page, context) => {
      const url = (path: string) => `${server.url}${path}`;
      await page.goto(url('/profile'));
      expect((await waitForPath(page, '/login')).search).toBe('?returnTo=%2Fprofile');
      await page.locator('input[name=email]').fill(DEMO.email);
      await page.locator('input[name=password]').fill(DEMO.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await waitForPath(page, '/profile');
      await expect.poll(() => textOf(page, 'profile')).toBe(`${DEMO.name} (${DEMO.email})`);
      await expect.poll(() => page.getByText(`Signed in as ${DEMO.name}`).isVisible()).toBe(true);
      expect((await context.cookies()).map((c) => c.name)).toContain('bffkit');

      // The browser's own API call, through the forwarding route: the token is attached on the server.
      await expectForwardingThenSignOut(page, context, server.url, DEMO.email);
      const anonymous = await page.evaluate(async () => (await fetch('/api/backend/auth/me')).status);
      expect(anonymous).toBe(401);
    });
  });

  it('logged no error and no prerender warning while serving', () => {
    expect(server.output()).not.toMatch(PRERENDER_TROUBLE);
  });
});
