/**
 * The suite itself: every SECURITY.md item has a describe block of its own in some file, and the
 * registry matches SECURITY.md's numbering. (report.ts prints FAIL for an item nobody names; this
 * makes such a gap fail the run as well.)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ITEM_COUNT, ITEMS, item, itemsIn } from './items';

const DIR = fileURLToPath(new URL('.', import.meta.url));

describe('the security suite', () => {
  it('names every item 1-30 in a describe(item(n)) block', () => {
    const named = new Set<number>();
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.test.ts'))) {
      const text = readFileSync(`${DIR}${file}`, 'utf8');
      for (const m of text.matchAll(/describe\(item\((\d+)\)/g)) named.add(Number(m[1]));
    }
    const missing = Array.from({ length: ITEM_COUNT }, (_, i) => i + 1).filter((n) => !named.has(n));
    expect(missing).toEqual([]);
  });

  it('has one title per SECURITY.md item, and the report parser reads names and ranges', () => {
    expect(Object.keys(ITEMS).map(Number)).toEqual(Array.from({ length: ITEM_COUNT }, (_, i) => i + 1));
    expect(itemsIn(`${item(4)} > x`)).toEqual([4]);
    expect(itemsIn('server health (SECURITY 09..12) > ok')).toEqual([9, 10, 11, 12]);
    // The spec lives outside the repository in the team's workspace; checked when present.
    const specPath = fileURLToPath(new URL('../../../shared/SECURITY.md', import.meta.url));
    if (existsSync(specPath)) expect(readFileSync(specPath, 'utf8').match(/^\d+\. /gm)?.length).toBe(ITEM_COUNT);
  });
});
