/**
 * A new user's first hour with `npx bffkit init` (issue 15): a fresh `create-next-app@16.4.3` app with
 * its defaults (only its Google font removed, which this machine cannot download), in both shapes
 * (`app/` and `src/app/`) and as a JavaScript app (`--js`), the packed library installed from `npm pack`, then
 * `npx bffkit init --backend-url <example backend> --yes`, the one hand edit it prints (the layout,
 * applied here from init's own output), `next build`, `next start`, and login, the profile page (a
 * Server Component backend call), a forwarded API call and logout in Chromium. The secret is the one
 * init generated into .env.local; only APP_URL is given (the test's port).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { createFreshApp, packLibrary, type AppShape, type FreshApp, type RunningFreshApp } from '../support/fresh-app';
import { expectForwardingThenSignOut, textOf, waitForPath, withPage } from '../support/pages';
import { freePort } from '../support/ports';
import { applyLayoutChange } from '../support/readme-files';

const STEP_TIMEOUT_MS = 10 * 60 * 1000;
const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };
const INIT_FILES = [
  'lib/bff.ts',
  'app/api/auth/[...bffkit]/route.ts',
  'app/api/backend/[...path]/route.ts',
  'proxy.ts',
  'components/session-status.tsx',
  'components/login-form.tsx',
  'app/login/page.tsx',
  'app/profile/page.tsx',
];

let tarball: string;
let backend: RunningBackend;
let browser: TestBrowser;

beforeAll(async () => {
  [tarball, backend] = await Promise.all([packLibrary(), startBackend()]);
  browser = await launchBrowser();
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

describe.each<AppShape>(['root', 'src', 'js'])('npx bffkit init in a fresh create-next-app app (%s shape)', (shape) => {
  let app: FreshApp;
  let server: RunningFreshApp | undefined;
  let initOutput: string;
  const ms: Record<string, number> = {};
  const prefix = shape === 'src' ? 'src/' : '';
  // A JavaScript app gets .js / .jsx files.
  const named = (path: string) => (shape === 'js' ? path.replace(/\.ts$/, '.js').replace(/\.tsx$/, '.jsx') : path);
  const layoutFile = shape === 'js' ? 'app/layout.js' : 'app/layout.tsx';

  beforeAll(async () => {
    app = await createFreshApp(shape);
  }, STEP_TIMEOUT_MS);

  afterAll(async () => {
    console.log(`init-fresh-app ${shape}: ${JSON.stringify({ ...app?.timings, ...ms })}`);
    await server?.stop();
    await app?.remove();
  });

  it('init writes the files and .env.local, prints the layout change, and a second run has nothing to do', async () => {
    const start = performance.now();
    await app.install(tarball);
    const init = await npx(app.dir, ['bffkit', 'init', '--backend-url', backend.url, '--yes']);
    ms.initMs = Math.round(performance.now() - start) - app.timings.bffkitInstallMs!;
    expect(init.code, init.stderr).toBe(0);
    initOutput = init.stdout;
    for (const f of INIT_FILES) expect(initOutput).toContain(`created   ${prefix}${named(f)}`);
    expect(initOutput).toContain(`in ${prefix}${layoutFile}`);
    expect(initOutput).toContain(shape === 'js' ? '(app/, JavaScript, preset oauth2)' : 'TypeScript, preset oauth2)');
    const env = await app.read('.env.local');
    expect(env).toMatch(/^BFF_SECRET=\S{44}$/m);
    expect(env).toContain(`BACKEND_URL=${backend.url}\n`);
    expect(initOutput).not.toContain(/^BFF_SECRET=(\S+)$/m.exec(env)![1]);

    const again = await npx(app.dir, ['bffkit', 'init', '--backend-url', backend.url, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do');
    expect(await app.read('.env.local')).toBe(env);
  }, STEP_TIMEOUT_MS);

  it('with the printed layout change (the one hand edit) it builds, pages keep a static shell, /login per request', async () => {
    const layout = await app.read(`${prefix}${layoutFile}`);
    await app.write(layoutFile, applyLayoutChange(layout, printedLayoutChange(initOutput)));
    const out = await app.build();
    const routes = out.split('\n').filter((l) => /^[┌├└] /.test(l));
    const marker = (route: string) => routes.find((l) => l.endsWith(` ${route}`))?.slice(2, 3);
    expect(marker('/profile')).toBe('◐');
    expect(marker('/login')).toBe('ƒ');
    expect(out).not.toMatch(/⨯|Error:/);
  }, STEP_TIMEOUT_MS);

  it('signs in with and without JavaScript (anonymous /profile → /login, a wrong password first), shows the profile, forwards an API call and signs out', async () => {
    const port = await freePort();
    // BFF_SECRET and BACKEND_URL come from the .env.local init wrote; APP_URL is this test's port.
    const startStart = performance.now();
    server = await app.start({ port, readyPath: '/login', env: { APP_URL: `http://localhost:${port}` } });
    ms.startMs = Math.round(performance.now() - startStart);
    const loginStart = performance.now();
    await withPage(browser, {}, async (page, context) => {
      const url = (path: string) => `${server!.url}${path}`;
      await page.goto(url('/profile'));
      expect((await waitForPath(page, '/login')).search).toBe('?returnTo=%2Fprofile');
      await page.locator('input[name=email]').fill(DEMO.email);
      // With JavaScript a wrong password shows bffkit's message without a page load.
      await page.locator('input[name=password]').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('main [role=alert]').textContent()).toBe('Invalid email or password.');
      expect(new URL(page.url()).search).toBe('?returnTo=%2Fprofile');
      await page.locator('input[name=password]').fill(DEMO.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await waitForPath(page, '/profile');
      await expect.poll(() => textOf(page, 'profile')).toBe(`${DEMO.name} (${DEMO.email})`);
      ms.firstLoginMs = Math.round(performance.now() - loginStart);
      await expect.poll(() => page.getByText(`Signed in as ${DEMO.name}`).isVisible()).toBe(true);

      await expectForwardingThenSignOut(page, context, server!.url, DEMO.email);
    });
    // Without JavaScript: the same form posts to bffkit, a wrong password comes back as ?error=login_failed.
    await withPage(browser, { javaScriptEnabled: false }, async (page, context) => {
      await page.goto(`${server!.url}/profile`);
      await waitForPath(page, '/login');
      await page.locator('input[name=email]').fill(DEMO.email);
      await page.locator('input[name=password]').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.has('error'));
      expect(new URL(page.url()).search).toBe('?error=login_failed&returnTo=%2Fprofile');
      expect(await page.locator('main [role=alert]').textContent()).toBe('Invalid email or password.');
      // A new page: the form is empty again.
      await page.locator('input[name=email]').fill(DEMO.email);
      await page.locator('input[name=password]').fill(DEMO.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await waitForPath(page, '/profile');
      expect((await context.cookies()).map((c) => c.name)).toContain('bffkit');
    });
    // From `npm install <tarball>` to a signed-in profile page: install, init, build, start, sign-in
    // (machine time; the layout edit is the user's).
    ms.installToLoginMs = app.timings.bffkitInstallMs! + ms.initMs! + app.timings.buildMs! + ms.startMs + ms.firstLoginMs!;
    // No setup warning, no error: the generated proxy.ts and matcher are right.
    expect(server.output()).not.toMatch(/logged once per process|invalid configuration|⨯/);
  }, STEP_TIMEOUT_MS);
});

/** The layout change init printed: its import lines, and the `<body>…</body>` block. */
function printedLayoutChange(output: string): { imports: string[]; body: string } {
  const imports = output.split('\n').filter((l) => l.startsWith('import '));
  const body = /^( *<body[\s\S]*?<\/body>)$/m.exec(output)?.[1];
  if (!imports.length || !body) throw new Error(`init printed no layout change:\n${output}`);
  return { imports, body };
}

/** `npx …` in the app's folder, as a user types it (the app's own bffkit bin, nothing downloaded). */
function npx(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', ...args], { cwd, env: { ...baseEnv(), npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

