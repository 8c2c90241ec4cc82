/** Durations in seconds. */
export const ONE_SECOND = 1;
export const ONE_MINUTE = 60;
export const FIVE_MINUTES = 5 * ONE_MINUTE;
export const ONE_HOUR = 60 * ONE_MINUTE;
export const ONE_DAY = 24 * ONE_HOUR;
export const SEVEN_DAYS = 7 * ONE_DAY;

/** A clock returning the current time in epoch seconds (injectable for tests). */
export type Clock = () => number;

/**
 * The real clock, in whole epoch seconds.
 *
 * @example
 * const now = systemClock();
 */
export const systemClock: Clock = () => Math.floor(Date.now() / 1000);
