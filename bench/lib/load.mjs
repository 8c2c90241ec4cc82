// HTTP load: wrk when installed (Debian package `wrk`), autocannon otherwise. Always time-bounded.
import { execFile, execFileSync } from 'node:child_process';

let wrkPath;
/** The wrk binary, or null. */
export function wrkBinary() {
  if (wrkPath !== undefined) return wrkPath;
  try {
    wrkPath = execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null;
  } catch {
    wrkPath = null;
  }
  if (process.env.BENCH_LOAD === 'autocannon') wrkPath = null;
  return wrkPath;
}

/** Which load generator runs. */
export const loadTool = () => (wrkBinary() ? 'wrk' : 'autocannon');

/**
 * Runs a fixed-duration load and answers { requests, seconds, rps, p50, p99 (ms), errors, non2xx }.
 * `headers` is an object of request headers.
 */
export async function load({ url, headers = {}, connections, seconds }) {
  return wrkBinary() ? runWrk({ url, headers, connections, seconds }) : runAutocannon({ url, headers, connections, seconds });
}

function runWrk({ url, headers, connections, seconds }) {
  const args = ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile(wrkBinary(), args, { timeout: (seconds + 30) * 1000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}\n${stdout}`));
      resolve(parseWrk(stdout));
    });
  });
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
}

/** Parses wrk's --latency report. */
export function parseWrk(out) {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? duration(m[1]) : NaN;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const requests = total ? Number(total[1]) : 0;
  const seconds = total ? duration(`${total[2]}${total[3]}`) / 1000 : NaN;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50: pct(50),
    p99: pct(99),
    errors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

async function runAutocannon({ url, headers, connections, seconds }) {
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ url, headers, connections, duration: seconds, timeout: 10 });
  return {
    requests: r.requests.total,
    seconds: r.duration,
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}
