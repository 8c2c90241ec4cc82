/**
 * `bffkit init`: sets bffkit up in an existing Next.js App Router app (root or `src/` layout, TypeScript
 * or JavaScript). Writes the README's files (lib/bff.ts, the auth and forwarding routes, proxy.ts, the
 * session status component, the login and profile pages), appends the missing variables to
 * `.env.local` (a new BFF_SECRET; never a changed value), and prints the one change to make by hand:
 * the root layout. Never overwrites a file: an existing proxy.ts or middleware.ts is left alone and
 * the lines to merge are printed. A second run changes nothing and says so.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CREDENTIALS_PRESETS } from '../core/backends/credentials-presets';
import type { CredentialsPresetName } from '../core/backends/credentials-types';
import type { Command, CommandIo } from './command';
import { InitError, detectProject, envValue, folderOf, mergeEnv, newSecret, withImports, type Project } from './init-project';
import { LAYOUT_BODY, LAYOUT_IMPORTS, templateFiles, toJavaScript, type TemplateFile } from './init-templates';

const PRESETS = Object.keys(CREDENTIALS_PRESETS) as CredentialsPresetName[];

const USAGE = `Usage: bffkit init [--backend-url URL] [--preset NAME] [--app-url URL] [--yes]

Run in a Next.js App Router app (app/ or src/app/, TypeScript or JavaScript). Writes lib/bff.ts,
app/api/auth/[...bffkit]/route.ts, app/api/backend/[...path]/route.ts, proxy.ts,
components/session-status.tsx, components/login-form.tsx, app/login/page.tsx and
app/profile/page.tsx (under src/ when app/ is
there), adds BFF_SECRET, APP_URL and BACKEND_URL to .env.local when they are missing, and prints the
change to make in app/layout.tsx. Never overwrites a file or a variable; a second run does nothing.

  --backend-url URL  your API's base URL, e.g. http://127.0.0.1:4000 (asked for when not given and
                     .env.local has no BACKEND_URL; required with --yes or without a terminal)
  --preset NAME      ${PRESETS.join(' | ')} (default oauth2): how your backend signs in
  --app-url URL      the app's own URL for APP_URL (default http://localhost:3000)
  -y, --yes          ask nothing: defaults for everything not given
  -h, --help         this text

Exit status: 0 when done (or nothing to do), 1 when proxy.ts must be merged by hand, 2 for a usage error.`;

/** The init command. */
export const initCommand: Command = {
  name: 'init',
  summary: 'set bffkit up in this Next.js app: routes, proxy.ts, login page, .env.local',
  run: init,
};

type Outcome = 'created' | 'unchanged' | 'kept' | 'refused';

async function init(argv: readonly string[], io: CommandIo): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        'backend-url': { type: 'string' }, preset: { type: 'string' }, 'app-url': { type: 'string' },
        yes: { type: 'boolean', short: 'y' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.err(`bffkit init: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.out(USAGE);
    return 0;
  }
  const ask = flags.yes ? undefined : io.prompt;
  try {
    const project = detectProject(io.cwd);
    const envFile = join(project.dir, '.env.local');
    const envText = existsSync(envFile) ? readFileSync(envFile, 'utf8') : '';
    const preset = await choosePreset(flags.preset, ask);
    const backendUrl = await chooseBackendUrl(flags['backend-url'], envValue(envText, 'BACKEND_URL'), ask);
    const appUrl = checkUrl('--app-url', flags['app-url'] ?? 'http://localhost:3000');

    const lines: string[] = [];
    let changed = 0;
    let refused = false;
    for (const file of filesFor(project, preset)) {
      const outcome = place(project, file);
      if (outcome === 'created') changed++;
      if (outcome === 'refused') refused = true;
      lines.push(`  ${outcome.padEnd(10)}${project.prefix}${file.path}${outcome === 'kept' ? ' (yours differs from bffkit\'s; left as it is)' : ''}`);
    }

    const env = mergeEnv(envText, { BFF_SECRET: newSecret(), APP_URL: appUrl, BACKEND_URL: backendUrl });
    if (env.added.length) {
      writeFileSync(envFile, env.text);
      changed++;
      lines.push(`  ${'appended'.padEnd(10)}.env.local: ${env.added.join(', ')}`);
    }
    if (env.added.includes('BFF_SECRET') && !ignoresEnvLocal(project.dir)) {
      lines.push('  warning   .gitignore does not ignore .env.local: add the line `.env*.local` before you commit (it holds BFF_SECRET)');
    }
    const keptBackend = envValue(envText, 'BACKEND_URL');
    if (keptBackend !== undefined && flags['backend-url'] !== undefined && keptBackend !== backendUrl) {
      lines.push(`  ${'kept'.padEnd(10)}.env.local: BACKEND_URL=${keptBackend} (--backend-url differs; change it there yourself)`);
    }

    io.out(changed ? `bffkit init (${project.prefix}app/, ${project.typescript ? 'TypeScript' : 'JavaScript'}, preset ${preset}):\n${lines.join('\n')}` : 'bffkit init: nothing to do, bffkit is already set up here.');
    if (refused) io.out(proxyInstructions(project, preset));
    io.out(layoutInstructions(project));
    if (changed) io.out(`\nThen: npm run dev, and open ${appUrl}/profile (anonymous visitors are sent to /login?returnTo=%2Fprofile).`);
    return refused ? 1 : 0;
  } catch (error) {
    if (error instanceof InitError) {
      io.err(`bffkit init: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

/** The templates as this project needs them: JavaScript names and syntax, relative imports without `@/`. */
function filesFor(project: Project, preset: CredentialsPresetName): TemplateFile[] {
  const cacheComponents = usesCacheComponents(project.dir);
  return templateFiles(preset).map((t) => {
    const file = project.typescript ? t : toJavaScript(t);
    let content = withImports(file.content, file.path, project.alias);
    // `instant` exists only with Cache Components; without them every page renders per request anyway.
    if (!cacheComponents) content = content.replace(/^\/\/ Rendered whole[^\n]*\n\/\/[^\n]*\nexport const instant = false;\n\n/m, '');
    return { path: file.path, content };
  });
}

/** Writes one file unless it exists; an existing proxy or middleware file is never touched. */
function place(project: Project, file: TemplateFile): Outcome {
  const target = join(project.sourceDir, file.path);
  if (existsSync(target)) return readFileSync(target, 'utf8') === file.content ? 'unchanged' : file.path.startsWith('proxy.') ? 'refused' : 'kept';
  if (file.path.startsWith('proxy.') && project.existingProxy) return 'refused';
  mkdirSync(folderOf(target), { recursive: true });
  writeFileSync(target, file.content);
  return 'created';
}

function proxyInstructions(project: Project, preset: CredentialsPresetName): string {
  const proxy = filesFor(project, preset).find((f) => f.path.startsWith('proxy.'))!;
  const existing = project.existingProxy ?? `${project.prefix}${proxy.path}`;
  return `
${existing} exists: bffkit init does not change it. Merge this into it by hand (Next 16 runs one
proxy.ts; in middleware.ts call bff.proxy(...) from your middleware function and return its answer):

${proxy.content}
Keep /api/auth/ and /api/backend/ out of its matcher, and let it cover every page.`;
}

function layoutInstructions(project: Project): string {
  const layout = project.layout ?? `${project.prefix}app/layout.${project.typescript ? 'tsx' : 'jsx'}`;
  if (project.layout && readFileSync(join(project.dir, project.layout), 'utf8').includes('<SessionProvider')) {
    return `\n${layout} already has the SessionProvider.`;
  }
  const imports = withImports(LAYOUT_IMPORTS, 'app/layout.tsx', project.alias);
  const body = usesCacheComponents(project.dir) ? LAYOUT_BODY : LAYOUT_BODY.replace('session={bff.getSession()}', 'session={await bff.getSession()}');
  const awaitNote = usesCacheComponents(project.dir) ? '' : '\nand make the layout async (export default async function RootLayout): without Cache Components it awaits the session.';
  return `
The one change to make by hand, in ${layout}: add these imports

${imports}

and wrap what <body> holds in the SessionProvider (keep your own <body> attributes):

${body}
${awaitNote}`;
}

/** Whether .gitignore has a line covering .env.local (create-next-app writes `.env*`). */
function ignoresEnvLocal(dir: string): boolean {
  const file = join(dir, '.gitignore');
  if (!existsSync(file)) return false;
  return readFileSync(file, 'utf8').split(/\r?\n/).some((l) => ['.env*', '.env.local', '.env*.local', '*.local', '.env'].includes(l.trim().replace(/^\//, '')));
}

/** Whether next.config turns Cache Components on (create-next-app 16.4 does). */
function usesCacheComponents(dir: string): boolean {
  for (const name of ['next.config.ts', 'next.config.mjs', 'next.config.js', 'next.config.mts']) {
    const file = join(dir, name);
    if (existsSync(file) && /cacheComponents\s*:\s*true/.test(readFileSync(file, 'utf8'))) return true;
  }
  return false;
}

async function choosePreset(flag: string | undefined, ask: CommandIo['prompt']): Promise<CredentialsPresetName> {
  let value = flag;
  if (value === undefined && ask) value = (await ask(`Backend preset (${PRESETS.join(', ')}) [oauth2]: `)).trim() || 'oauth2';
  value ??= 'oauth2';
  if (!(PRESETS as string[]).includes(value)) throw new InitError(`--preset must be one of ${PRESETS.join(', ')} (got ${JSON.stringify(value)})`);
  return value as CredentialsPresetName;
}

async function chooseBackendUrl(flag: string | undefined, inEnv: string | undefined, ask: CommandIo['prompt']): Promise<string> {
  if (flag !== undefined) return checkUrl('--backend-url', flag);
  if (inEnv !== undefined) return inEnv;
  if (ask) return checkUrl('--backend-url', (await ask('Your API\'s base URL (e.g. http://127.0.0.1:4000): ')).trim());
  throw new InitError('--backend-url is required (your API\'s base URL, e.g. --backend-url http://127.0.0.1:4000): .env.local has no BACKEND_URL and there is no terminal to ask');
}

function checkUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InitError(`${flag} must be an absolute http(s) URL such as http://127.0.0.1:4000 (got ${JSON.stringify(value)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InitError(`${flag} must use http or https`);
  return value.replace(/\/+$/, '');
}
