/**
 * The check-backend report as text: a table (step, what the backend does, what bffkit will do,
 * verdict) with wrapped cells, then the suggested configuration.
 */
import type { CheckReport, Verdict } from './contract';

const WIDTHS = { step: 20, backend: 54, bffkit: 46 } as const;
const MARK: Record<Verdict, string> = { ok: 'ok', note: 'note', warn: 'WARN', fail: 'FAIL' };

/**
 * Renders the report.
 *
 * @example
 * for (const line of renderReport(report, 'http://127.0.0.1:8000 (preset simplejwt)')) console.log(line);
 */
export function renderReport(report: CheckReport, title: string): string[] {
  const lines = [`bffkit check-backend: ${title}`, ''];
  const header = cells(['step', 'what the backend does', 'what bffkit will do', '']);
  lines.push(...header, rule());
  for (const r of report.rows) lines.push(...cells([r.step, r.backend, r.bffkit, MARK[r.verdict]]));
  lines.push(rule());
  const counts = (['ok', 'note', 'warn', 'fail'] as const).map((v) => `${report.rows.filter((r) => r.verdict === v).length} ${v}`);
  lines.push(counts.join(', '));
  if (report.fixes.length) {
    lines.push('', 'Suggested configuration (merge into credentialsBackend({ ... })):');
    // One line per section: { tokens.access, tokens.refresh } → tokens: { access, refresh }.
    const sections = new Map<string, { value: Record<string, unknown>; why: string[] }>();
    for (const f of report.fixes) {
      const [head, ...rest] = f.option.split('.');
      const section = sections.get(head!) ?? { value: {}, why: [] };
      let at = section.value;
      for (const key of rest.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
      if (rest.length) at[rest.at(-1)!] = f.value;
      else section.value = f.value as Record<string, unknown>;
      section.why.push(f.why);
      sections.set(head!, section);
    }
    for (const [head, { value, why }] of sections) lines.push(`  ${head}: ${literal(value)},  // ${why.join('; ')}`);
  }
  if (report.hints.length) {
    lines.push('', 'Hints:');
    for (const h of report.hints) lines.push(...wrap(`- ${h}`, 100).map((l, i) => (i ? `  ${l}` : l)));
  }
  return lines;
}

function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/'/g, "\\'")}'`;
  if (value && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }`;
  return String(value);
}

function cells(values: [string, string, string, string]): string[] {
  const cols = [wrap(values[0], WIDTHS.step), wrap(values[1], WIDTHS.backend), wrap(values[2], WIDTHS.bffkit), [values[3]]];
  const height = Math.max(...cols.map((c) => c.length));
  const out: string[] = [];
  for (let i = 0; i < height; i++) {
    out.push(
      [pad(cols[0]![i], WIDTHS.step), pad(cols[1]![i], WIDTHS.backend), pad(cols[2]![i], WIDTHS.bffkit), i === 0 ? cols[3]![0] : '']
        .join('  ')
        .trimEnd(),
    );
  }
  return out;
}

function rule(): string {
  return '-'.repeat(WIDTHS.step + WIDTHS.backend + WIDTHS.bffkit + 6 + 4);
}

function pad(text: string | undefined, width: number): string {
  return (text ?? '').padEnd(width);
}

/** Word-wraps `text` to `width` columns (a longer word is cut). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) lines.push(line);
      lines.push(w.slice(0, width));
      w = w.slice(width);
      line = '';
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}
