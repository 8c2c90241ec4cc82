/**
 * The suite itself: every item of the security model has a describe block of its own in some file,
 * and the registry (items.ts) and the document (docs/security.md) list the same numbers with the same
 * titles. (report.ts prints FAIL for an item nobody names; this makes such a gap fail the run too.)
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ITEM_COUNT, ITEMS, item, itemsIn } from './items';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const MODEL = fileURLToPath(new URL('../../docs/security.md', import.meta.url));

const ALL = Array.from({ length: ITEM_COUNT }, (_, i) => i + 1);

/** The document's items: each is a `### N. title` heading. */
function documentedItems(): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of readFileSync(MODEL, 'utf8').matchAll(/^### (\d+)\. (.+)$/gm)) {
    const n = Number(m[1]);
    if (out.has(n)) throw new Error(`docs/security.md lists item ${n} twice`);
    out.set(n, m[2]!.trim());
  }
  return out;
}

describe('the security suite', () => {
  it('names every item 1-30 in a describe(item(n)) block', () => {
    const named = new Set<number>();
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.test.ts'))) {
      const text = readFileSync(`${DIR}${file}`, 'utf8');
      for (const m of text.matchAll(/describe\(item\((\d+)\)/g)) named.add(Number(m[1]));
    }
    const missing = ALL.filter((n) => !named.has(n));
    expect(missing).toEqual([]);
  });

  it('has one title per item, numbered 1-30, and the report parser reads names and ranges', () => {
    expect(Object.keys(ITEMS).map(Number)).toEqual(ALL);
    expect(itemsIn(`${item(4)} > x`)).toEqual([4]);
    expect(itemsIn('server health (SECURITY 09..12) > ok')).toEqual([9, 10, 11, 12]);
  });

  it('matches docs/security.md: every item number and title of items.ts is in it, and nothing else', () => {
    const documented = documentedItems();
    // Same numbers both ways, in order.
    expect([...documented.keys()]).toEqual(ALL);
    // Same title for each number.
    for (const n of ALL) expect(documented.get(n), `item ${n}`).toBe(ITEMS[n]);
  });

  it('says, for every item of docs/security.md, the threat, the defence, the modes and the tests', () => {
    const text = readFileSync(MODEL, 'utf8');
    const sections = text.split(/^### /m).slice(1);
    expect(sections).toHaveLength(ITEM_COUNT);
    for (const section of sections) {
      const heading = section.slice(0, section.indexOf('\n'));
      for (const part of ['**Threat:**', '**Defence:**', '**Modes:**', '**Proved by:**']) {
        expect(section, `${heading}: ${part}`).toContain(part);
      }
      // Every item is proved by at least one test of this suite.
      expect(section, heading).toMatch(/tests\/security\/[a-z-]+\.test\.ts/);
    }
  });

  it('cites only test files that exist', () => {
    const text = readFileSync(MODEL, 'utf8');
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const src = `${root}packages/bffkit/src/`;
    const missing: string[] = [];
    for (const [path] of text.matchAll(/tests\/[a-z-]+\/[a-z-]+\.test\.ts/g)) {
      if (!exists(`${root}${path}`)) missing.push(path);
    }
    // Unit tests are cited by file name, with a folder where the name alone is ambiguous
    // (`seal.test.ts`, `forward/path.test.ts`): each must end some test file's path in the library.
    const unitTests = (readdirSync(src, { recursive: true }) as string[]).map((f) => `/${f.split('\\').join('/')}`);
    for (const [, path] of text.matchAll(/`((?:[a-z-]+\/)?[a-z-]+\.test\.ts)`/g)) {
      if (!unitTests.some((f) => f.endsWith(`/${path}`))) missing.push(path!);
    }
    expect(missing).toEqual([]);
  });
});

function exists(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
