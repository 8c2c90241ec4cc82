// Small statistics and formatting helpers shared by the benchmark modules.

export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** { median, min, max, n } of a series of per-round figures. */
export function summary(xs) {
  const f = xs.filter((x) => Number.isFinite(x));
  return { median: median(f), min: Math.min(...f), max: Math.max(...f), n: f.length };
}

/** Spread as "±p%": half the min–max range relative to the median. */
export function spread(s) {
  if (!Number.isFinite(s.median) || s.median === 0 || s.n < 2) return '';
  return `±${Math.round(((s.max - s.min) / 2 / Math.abs(s.median)) * 100)}%`;
}

/** Contenders in a different order every round (rotation), so drift hits everyone alike. */
export function rotated(list, round) {
  const k = round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** "1,234" style with `digits` decimals. */
export function num(x, digits = 0) {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Median with its spread, e.g. "812 ±4%". */
export function withSpread(s, digits = 0) {
  const sp = spread(s);
  return sp ? `${num(s.median, digits)} ${sp}` : num(s.median, digits);
}

/** A markdown table. */
export function table(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Ratio of two medians, from the same run. */
export const ratio = (a, b) => a / b;
