/**
 * What `bffkit init` finds in the app it runs in: where `app/` lives (root or `src/`), TypeScript or
 * JavaScript, the `@/` import alias, an existing proxy.ts or middleware.ts; and the `.env.local`
 * merge (missing variables appended, existing ones never changed).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/** An App Router project as init sees it. */
export interface Project {
  /** The folder with package.json. */
  dir: string;
  /** Where `app/` lives: `dir` or `dir/src`. */
  sourceDir: string;
  /** `''` or `'src/'`: how paths are shown to the user. */
  prefix: string;
  typescript: boolean;
  /** Whether `@/*` maps to the source folder (tsconfig.json / jsconfig.json `paths`). */
  alias: boolean;
  /** An existing proxy or middleware file (relative to `dir`), which init never touches. */
  existingProxy?: string;
  /** The root layout (relative to `dir`), when there is one. */
  layout?: string;
}

/** Why init cannot run here; the message says what to do. */
export class InitError extends Error {}

const PROXY_NAMES = ['proxy.ts', 'proxy.js', 'proxy.mjs', 'middleware.ts', 'middleware.js', 'middleware.mjs'];

/**
 * Looks at the app in `dir`.
 *
 * @example
 * const project = detectProject(process.cwd()); // { sourceDir: '/app/src', typescript: true, … }
 */
export function detectProject(dir: string): Project {
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) throw new InitError(`no package.json in ${dir}: run bffkit init in your Next.js app's folder`);
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  if (!pkg.dependencies?.next && !pkg.devDependencies?.next) throw new InitError('this package does not depend on next: run bffkit init in a Next.js app (npx create-next-app@latest)');
  const src = existsSync(join(dir, 'src', 'app'));
  if (!src && !existsSync(join(dir, 'app'))) {
    throw new InitError('no app/ or src/app/ folder: bffkit init sets up an App Router app (the pages/ router is not supported)');
  }
  const sourceDir = src ? join(dir, 'src') : dir;
  const prefix = src ? 'src/' : '';
  const typescript = existsSync(join(dir, 'tsconfig.json'));
  const existingProxy = [sourceDir, dir].flatMap((d) => PROXY_NAMES.map((n) => join(d, n))).find((f) => existsSync(f));
  const layout = ['layout.tsx', 'layout.jsx', 'layout.js', 'layout.ts'].map((n) => join(sourceDir, 'app', n)).find((f) => existsSync(f));
  return {
    dir,
    sourceDir,
    prefix,
    typescript,
    alias: hasAlias(dir, typescript ? 'tsconfig.json' : 'jsconfig.json', prefix),
    ...(existingProxy && { existingProxy: relative(dir, existingProxy) }),
    ...(layout && { layout: relative(dir, layout) }),
  };
}

/** Whether the config file maps `@/*` to the source folder (what create-next-app writes). */
function hasAlias(dir: string, file: string, prefix: string): boolean {
  const path = join(dir, file);
  if (!existsSync(path)) return false;
  // tsconfig.json may hold comments and trailing commas: look for the mapping as text.
  const text = readFileSync(path, 'utf8');
  const target = `./${prefix}*`;
  return new RegExp(`"@/\\*"\\s*:\\s*\\[\\s*"${target.replace(/[.*/]/g, (c) => `\\${c}`)}"`).test(text);
}

/**
 * Rewrites the templates' `@/…` imports as relative ones for an app without the alias.
 *
 * @example
 * withImports("import { bff } from '@/lib/bff';", 'app/api/auth/[...bffkit]/route.ts', false); // "… from '../../../../lib/bff';"
 */
export function withImports(content: string, path: string, alias: boolean): string {
  if (alias) return content;
  return content.replace(/from '@\/([^']+)'/g, (_m, target: string) => {
    const rel = posix.relative(posix.dirname(path), target);
    return `from '${rel.startsWith('.') ? rel : `./${rel}`}'`;
  });
}

/** The variables init puts into `.env.local`, in order. */
export interface EnvValues {
  BFF_SECRET?: string;
  APP_URL: string;
  BACKEND_URL?: string;
}

/**
 * The names already set in a dotenv text (`NAME=…`, `export NAME=…`).
 *
 * @example
 * envNames('A=1\nexport B=2\n'); // Set { 'A', 'B' }
 */
export function envNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

/**
 * The value of a name in a dotenv text (unquoted), or undefined.
 *
 * @example
 * envValue('BACKEND_URL="http://127.0.0.1:4000"\n', 'BACKEND_URL'); // 'http://127.0.0.1:4000'
 */
export function envValue(text: string, name: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m && m[1] === name) return m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return undefined;
}

/**
 * A new secret: 32 random bytes, base64 (what `openssl rand -base64 32` prints).
 *
 * @example
 * newSecret(); // 'q3Vt…=' (44 characters)
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64');
}

/**
 * The `.env.local` text with the missing variables appended (existing lines untouched), and the
 * names that were added. Never returns a changed value for a name already present.
 *
 * @example
 * mergeEnv('APP_URL=http://localhost:3000\n', { BFF_SECRET: newSecret(), APP_URL: 'x', BACKEND_URL: 'http://127.0.0.1:4000' });
 */
export function mergeEnv(existing: string, values: EnvValues): { text: string; added: string[] } {
  const present = envNames(existing);
  const added: string[] = [];
  let text = existing;
  for (const [name, value] of Object.entries(values) as [string, string | undefined][]) {
    if (value === undefined || present.has(name)) continue;
    if (text && !text.endsWith('\n')) text += '\n';
    if (added.length === 0 && name === 'BFF_SECRET') text += '# bffkit: the session cookie secret (keep it out of git; a comma-separated list rotates)\n';
    text += `${name}=${value}\n`;
    added.push(name);
  }
  return { text, added };
}

/** The folder a file goes in (for mkdir). */
export const folderOf = dirname;
