import 'server-only';
import type { BffEvent, BffOptions } from 'bffkit';

/**
 * The example's audit-event sink: one JSON line per event on stdout, ready for a log shipper (Vector,
 * Fluent Bit, a SIEM agent) to pick up. bffkit calls it after each response, one event at a time; a
 * slow or failing sink never changes a response.
 *
 * BFF_EVENTS=off turns it off. Two switches show what a struggling SIEM does (the tests use them):
 * BFF_EVENTS_SINK_DELAY_MS waits that long before printing each event, BFF_EVENTS_SINK_FAIL=1 throws
 * after printing (bffkit logs the failure once and goes on).
 */
export function eventsSink(): BffOptions['events'] {
  if ((process.env.BFF_EVENTS ?? 'stdout').trim().toLowerCase() === 'off') return undefined;
  const delay = Number(process.env.BFF_EVENTS_SINK_DELAY_MS) || 0;
  const fail = process.env.BFF_EVENTS_SINK_FAIL === '1';
  return async (event: BffEvent) => {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    process.stdout.write(`${JSON.stringify(event)}\n`);
    if (fail) throw new Error('example sink failure (BFF_EVENTS_SINK_FAIL=1)');
  };
}
