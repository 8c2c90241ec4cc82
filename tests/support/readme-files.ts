/**
 * The files of README.md's "Using bffkit in your app", read from the README itself, so the test that
 * builds a fresh app from them (tests/e2e/readme-app.test.ts) and the README cannot drift apart.
 *
 * The section's convention: a bold numbered path (**1. `lib/bff.ts`**) followed by one fenced code
 * block is a whole file; the one for `app/layout.tsx` is a change to the layout create-next-app
 * wrote: its `import` lines, then the `<body>…</body>` that replaces the template's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './app-process';

const SECTION_START = '## Using bffkit in your app';
const SECTION_END = '\nThen, anywhere:';
const LAYOUT = 'app/layout.tsx';

/** What the README tells a user to write. */
export type ReadmeSetup = {
  /** New files, by path relative to where `app/` lives. */
  files: Map<string, string>;
  /** The layout change: imports to add, and the new `<body>` element. */
  layout: { imports: string[]; body: string };
};

/**
 * Reads the files of README.md's setup section.
 *
 * @example
 * const { files, layout } = readmeSetup();
 */
export function readmeSetup(readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')): ReadmeSetup {
  const start = readme.indexOf(SECTION_START);
  const end = readme.indexOf(SECTION_END, start);
  if (start < 0 || end < 0) throw new Error('readmeSetup: the README has no "Using bffkit in your app" section ending at "Then, anywhere:"');
  const section = readme.slice(start, end);
  const files = new Map<string, string>();
  let layout: ReadmeSetup['layout'] | undefined;
  const entry = /^\*\*\d+\. `([^`]+)`\*\*[^\n]*\n(?:[^\n]*\n)*?```[a-z]*\n([\s\S]*?)```/gm;
  for (const [, path, code] of section.matchAll(entry)) {
    if (path === LAYOUT) {
      const lines = code!.split('\n');
      const imports = lines.filter((l) => l.startsWith('import '));
      const body = code!.slice(code!.indexOf('<body')).trimEnd();
      if (!imports.length || !body.endsWith('</body>')) throw new Error('readmeSetup: the layout change needs imports and a <body>…</body>');
      layout = { imports, body };
    } else {
      files.set(path!, code!);
    }
  }
  if (!layout) throw new Error(`readmeSetup: no ${LAYOUT} change in the README`);
  return { files, layout };
}

/**
 * The template's layout with the README's change applied: imports after the last import, and the
 * template's `<body …>{children}</body>` replaced.
 *
 * @example
 * const next = applyLayoutChange(await app.read('app/layout.tsx'), readmeSetup().layout);
 */
export function applyLayoutChange(layout: string, change: ReadmeSetup['layout']): string {
  const body = /<body[^>]*>\{children\}<\/body>/;
  if (!body.test(layout)) throw new Error(`applyLayoutChange: the layout has no <body …>{children}</body>:\n${layout}`);
  const lines = layout.split('\n');
  const lastImport = lines.reduce((at, line, i) => (line.startsWith('import ') ? i : at), -1);
  lines.splice(lastImport + 1, 0, ...change.imports);
  return lines.join('\n').replace(body, change.body.trim());
}
