import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { transformSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from './index';

const BACKEND = 'http://127.0.0.1:4000';
const LAYOUT = `export default function RootLayout({ children }) {
  return (
    <html lang="en" className="h-full antialiased">
      <body className="min-h-full flex flex-col">{children}</body>
    </html>
  );
}
`;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A minimal create-next-app-like project: package.json, next.config, tsconfig/jsconfig with `@/*`, app/layout. */
function project(opts: { src?: boolean; js?: boolean; alias?: boolean; files?: Record<string, string> } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'bffkit-init-'));
  dirs.push(dir);
  const prefix = opts.src ? 'src/' : '';
  const paths = opts.alias === false ? '' : `, "paths": { "@/*": ["./${prefix}*"] }`;
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'app', dependencies: { next: '16.4.3', react: '19.2.0' } }),
    [opts.js ? 'next.config.mjs' : 'next.config.ts']: 'const nextConfig = {\n  cacheComponents: true,\n};\nexport default nextConfig;\n',
    [opts.js ? 'jsconfig.json' : 'tsconfig.json']: `{ "compilerOptions": { "strict": true${paths} } }\n`,
    [`${prefix}app/layout.${opts.js ? 'js' : 'tsx'}`]: LAYOUT,
    [`${prefix}app/page.${opts.js ? 'js' : 'tsx'}`]: 'export default function Home() { return <main />; }\n',
    '.gitignore': '# env files (can opt-in for committing if needed)\n.env*\n',
    ...opts.files,
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function run(dir: string, args: string[], prompt?: (q: string) => Promise<string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['init', ...args], { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, cwd: dir, ...(prompt && { prompt }) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
const FILES = [
  'lib/bff.ts',
  'app/api/auth/[...bffkit]/route.ts',
  'app/api/backend/[...path]/route.ts',
  'proxy.ts',
  'components/session-status.tsx',
  'components/login-form.tsx',
  'app/login/page.tsx',
  'app/profile/page.tsx',
];

describe('bffkit init', () => {
  it('root shape, TypeScript: writes every file, .env.local with a new secret, and prints the layout change', async () => {
    const dir = project();
    const r = await run(dir, ['--backend-url', BACKEND, '--yes']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const f of FILES) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(read(dir, 'lib/bff.ts')).toContain('secret: process.env.BFF_SECRET,');
    const env = read(dir, '.env.local');
    expect(env).toMatch(/^BFF_SECRET=[A-Za-z0-9+/]{43}=$/m);
    expect(env).toContain('APP_URL=http://localhost:3000\n');
    expect(env).toContain(`BACKEND_URL=${BACKEND}\n`);
    // The secret is written to the file, never printed.
    expect(r.out).not.toContain(/BFF_SECRET=(.*)/.exec(env)![1]);
    expect(r.out).toContain('in app/layout.tsx');
    expect(r.out).toContain('<SessionProvider session={bff.getSession()}>');
    expect(r.out).toContain("import { SessionProvider } from 'bffkit/react';");
  });

  it('src shape: the files go under src/, .env.local stays at the project root', async () => {
    const dir = project({ src: true });
    const r = await run(dir, ['--backend-url', BACKEND, '--yes']);
    expect(r.code).toBe(0);
    for (const f of FILES) expect(existsSync(join(dir, 'src', f)), f).toBe(true);
    expect(existsSync(join(dir, 'proxy.ts'))).toBe(false);
    expect(existsSync(join(dir, '.env.local'))).toBe(true);
    expect(r.out).toContain('src/proxy.ts');
    expect(r.out).toContain('in src/app/layout.tsx');
  });

  it('JavaScript app: .js/.jsx files with no TypeScript syntax that parse as JavaScript', async () => {
    const dir = project({ js: true });
    expect((await run(dir, ['--backend-url', BACKEND, '--yes'])).code).toBe(0);
    const js = FILES.map((f) => f.replace(/\.ts$/, '.js').replace(/\.tsx$/, '.jsx'));
    for (const f of js) {
      const code = read(dir, f);
      expect(() => transformSync(code, { loader: 'jsx', jsx: 'preserve' }), f).not.toThrow();
      expect(code, f).not.toMatch(/PageProps|Record<|callBackend<|FormEvent|ReactNode|: string/);
    }
    expect(existsSync(join(dir, 'lib/bff.ts'))).toBe(false);
  });

  it('without the @/ alias: relative imports', async () => {
    const dir = project({ alias: false });
    const r = await run(dir, ['--backend-url', BACKEND, '--yes']);
    expect(read(dir, 'app/api/auth/[...bffkit]/route.ts')).toContain("from '../../../../lib/bff'");
    expect(read(dir, 'proxy.ts')).toContain("from './lib/bff'");
    expect(r.out).toContain("from '../components/session-status'");
  });

  it('is idempotent: a second run changes nothing and says so', async () => {
    const dir = project();
    await run(dir, ['--backend-url', BACKEND, '--yes']);
    const before = Object.fromEntries([...FILES, '.env.local'].map((f) => [f, [read(dir, f), statSync(join(dir, f)).mtimeMs]]));
    const again = await run(dir, ['--backend-url', BACKEND, '--yes']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('nothing to do');
    // Without the flag too: BACKEND_URL comes from .env.local.
    expect((await run(dir, ['--yes'])).out).toContain('nothing to do');
    for (const f of [...FILES, '.env.local']) expect([read(dir, f), statSync(join(dir, f)).mtimeMs], f).toEqual(before[f]);
  });

  it.each(['proxy.ts', 'middleware.ts'])('refuses to touch an existing %s and prints the lines to merge', async (name) => {
    const mine = "export function proxy() {}\nexport const config = { matcher: ['/admin'] };\n";
    const dir = project({ files: { [name]: mine } });
    const r = await run(dir, ['--backend-url', BACKEND, '--yes']);
    expect(r.code).toBe(1);
    expect(read(dir, name)).toBe(mine);
    if (name !== 'proxy.ts') expect(existsSync(join(dir, 'proxy.ts'))).toBe(false);
    expect(r.out).toContain(`${name} exists: bffkit init does not change it`);
    expect(r.out).toContain("export const proxy = bff.proxy({ protectedPaths: ['/profile'] });");
    expect(existsSync(join(dir, 'lib/bff.ts'))).toBe(true);
  });

  it('never overwrites .env.local values: appends only the missing names', async () => {
    const mine = 'BFF_SECRET=my-own-secret-that-is-long-enough-0123456789\nOTHER=1';
    const dir = project({ files: { '.env.local': mine } });
    await run(dir, ['--backend-url', BACKEND, '--yes']);
    const env = read(dir, '.env.local');
    expect(env.startsWith(`${mine}\n`)).toBe(true);
    expect(env.match(/BFF_SECRET=/g)).toHaveLength(1);
    expect(env).toContain(`BACKEND_URL=${BACKEND}`);
  });

  it('keeps an existing BACKEND_URL that differs from --backend-url, and says so', async () => {
    const dir = project({ files: { '.env.local': 'BACKEND_URL=http://api.internal:8000\n' } });
    const r = await run(dir, ['--backend-url', BACKEND, '--yes']);
    expect(read(dir, '.env.local')).toContain('BACKEND_URL=http://api.internal:8000\n');
    expect(read(dir, '.env.local')).not.toContain(BACKEND);
    expect(r.out).toContain('--backend-url differs');
  });

  it('warns when .gitignore would let .env.local (the secret) be committed', async () => {
    expect((await run(project(), ['--backend-url', BACKEND, '--yes'])).out).not.toContain('.gitignore');
    const r = await run(project({ files: { '.gitignore': 'node_modules\n' } }), ['--backend-url', BACKEND, '--yes']);
    expect(r.out).toContain('.gitignore does not ignore .env.local');
  });

  it('keeps a file of the user that differs from the template', async () => {
    const dir = project({ files: { 'app/login/page.tsx': 'export default function Login() { return null; }\n' } });
    const r = await run(dir, ['--backend-url', BACKEND, '--yes']);
    expect(read(dir, 'app/login/page.tsx')).toBe('export default function Login() { return null; }\n');
    expect(r.out).toMatch(/kept\s+app\/login\/page\.tsx/);
  });

  it('without --backend-url: asks on a terminal, and with --yes (or no terminal) names the flag', async () => {
    const dir = project();
    const noFlag = await run(dir, ['--yes']);
    expect(noFlag.code).toBe(2);
    expect(noFlag.err).toContain('--backend-url is required');
    expect(existsSync(join(dir, 'lib/bff.ts'))).toBe(false);
    const questions: string[] = [];
    const asked = await run(dir, [], async (q) => (questions.push(q), q.startsWith('Backend preset') ? 'payload' : BACKEND));
    expect(asked.code).toBe(0);
    expect(questions).toHaveLength(2);
    expect(read(dir, 'lib/bff.ts')).toContain("credentialsBackend({ preset: 'payload', url: process.env.BACKEND_URL })");
    expect(read(dir, 'lib/bff.ts')).toContain("{ path: '/api/users/me', methods: ['GET'] }");
  });

  it('refuses what it cannot set up, with the reason: no Next app, no app/ folder, a bad preset or URL', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bffkit-init-'));
    dirs.push(empty);
    expect((await run(empty, ['--backend-url', BACKEND])).err).toContain('no package.json');
    const pagesOnly = project();
    rmSync(join(pagesOnly, 'app'), { recursive: true });
    expect((await run(pagesOnly, ['--backend-url', BACKEND])).err).toContain('no app/ or src/app/ folder');
    const dir = project();
    expect((await run(dir, ['--backend-url', BACKEND, '--preset', 'nope'])).err).toContain('--preset must be one of oauth2, simplejwt, betterAuth, payload');
    expect((await run(dir, ['--backend-url', 'localhost:4000', '--yes'])).err).toContain('--backend-url must');
    expect(existsSync(join(dir, 'lib/bff.ts'))).toBe(false);
  });

  it('without Cache Components: no `instant` export, and the layout awaits the session', async () => {
    const dir = project({ files: { 'next.config.ts': 'export default {};\n' } });
    const r = await run(dir, ['--backend-url', BACKEND, '--yes']);
    expect(read(dir, 'app/login/page.tsx')).not.toContain('instant');
    expect(r.out).toContain('session={await bff.getSession()}');
  });
});
