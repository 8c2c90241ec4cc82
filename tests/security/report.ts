/**
 * Vitest reporter for the security suite: after the run, one line per docs/security.md item,
 *
 *   SECURITY 01 PASS cookies are HttpOnly, Secure, …
 *
 * An item passes when at least one test names it (see items.ts) and every test that names it
 * passed. Tests that did not run, or a test file that failed outside its tests, fail the item.
 * scripts/test.mjs adds this reporter for the `security` suite only; its own summary line follows.
 */
import type { Reporter, TestModule } from 'vitest/node';
import { ITEM_COUNT, ITEMS, NOTES, itemsIn } from './items';

type Tally = { passed: number; failed: number; notRun: number };

export default class SecurityReporter implements Reporter {
  async onTestRunEnd(modules: ReadonlyArray<TestModule>): Promise<void> {
    // Reporters finish together: let the JSON reporter print its file line first, so these lines
    // come right before scripts/test.mjs's summary.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const tallies = new Map<number, Tally>();
    const tally = (n: number) => {
      let t = tallies.get(n);
      if (!t) tallies.set(n, (t = { passed: 0, failed: 0, notRun: 0 }));
      return t;
    };
    for (const module of modules) {
      const brokenModule = module.errors().length > 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        for (const n of itemsIn(test.fullName)) {
          const t = tally(n);
          if (brokenModule || state === 'failed') t.failed++;
          else if (state === 'passed') t.passed++;
          else t.notRun++;
        }
      }
    }
    const lines = [''];
    for (let n = 1; n <= ITEM_COUNT; n++) {
      const t = tallies.get(n);
      const ok = t !== undefined && t.failed === 0 && t.notRun === 0 && t.passed > 0;
      let detail = '';
      if (!t) detail = ' [no test names this item]';
      else if (!ok) detail = ` [${t.failed} failed, ${t.notRun} not run, ${t.passed} passed]`;
      const note = NOTES[n] ? ` (${NOTES[n]})` : '';
      lines.push(`SECURITY ${String(n).padStart(2, '0')} ${ok ? 'PASS' : 'FAIL'} ${ITEMS[n]}${note}${detail}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
