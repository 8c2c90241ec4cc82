/**
 * One promise per key at a time: concurrent callers asking for the same thing share one call.
 *
 * @example
 * const flights = new Flights<Token>(); await flights.run(key, () => fetchToken());
 */
export class Flights<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    let flight = this.inflight.get(key);
    if (!flight) {
      flight = work().finally(() => this.inflight.delete(key));
      this.inflight.set(key, flight);
    }
    return flight;
  }
}
