import { describe, expect, it } from 'vitest';
import { accessTokenDue, browserRefreshAt, isSessionAlive, refreshDueAt, renewalInterval, serverRefreshSkew, sessionExpiresAt, shouldRenew } from './lifetime';
import { ONE_DAY, ONE_HOUR, ONE_MINUTE, SEVEN_DAYS } from '../time';

const L = { idleTimeout: ONE_DAY, absoluteTimeout: SEVEN_DAYS };
const T0 = 1_800_000_000;

describe('sessionExpiresAt', () => {
  it('is the idle deadline while it comes before the absolute one', () => {
    expect(sessionExpiresAt({ createdAt: T0, lastActiveAt: T0 }, L)).toBe(T0 + ONE_DAY);
    expect(sessionExpiresAt({ createdAt: T0, lastActiveAt: T0 + 2 * ONE_DAY }, L)).toBe(T0 + 3 * ONE_DAY);
  });

  it('never passes the absolute deadline, however recent the activity', () => {
    expect(sessionExpiresAt({ createdAt: T0, lastActiveAt: T0 + SEVEN_DAYS - ONE_HOUR }, L)).toBe(T0 + SEVEN_DAYS);
  });
});

describe('isSessionAlive', () => {
  const s = { createdAt: T0, lastActiveAt: T0 };

  it('is alive up to one second before the idle deadline and dead at it', () => {
    expect(isSessionAlive(s, T0 + ONE_DAY - 1, L)).toBe(true);
    expect(isSessionAlive(s, T0 + ONE_DAY, L)).toBe(false);
  });

  it('is dead at the absolute deadline even with fresh activity', () => {
    const active = { createdAt: T0, lastActiveAt: T0 + SEVEN_DAYS - 10 };
    expect(isSessionAlive(active, T0 + SEVEN_DAYS - 1, L)).toBe(true);
    expect(isSessionAlive(active, T0 + SEVEN_DAYS, L)).toBe(false);
  });

  it('rejects a session whose creation time lies in the future (beyond a minute of clock drift)', () => {
    expect(isSessionAlive({ createdAt: T0 + 61, lastActiveAt: T0 }, T0, L)).toBe(false);
    expect(isSessionAlive({ createdAt: T0 + 60, lastActiveAt: T0 }, T0, L)).toBe(true);
  });

  it('rejects a session whose last activity lies in the future (a forged renewal)', () => {
    expect(isSessionAlive({ createdAt: T0, lastActiveAt: T0 + ONE_HOUR }, T0, L)).toBe(false);
  });
});

describe('shouldRenew and renewalInterval', () => {
  it('renews once a twenty-fourth of the idle timeout has passed, capped at an hour', () => {
    expect(renewalInterval({ idleTimeout: ONE_DAY, absoluteTimeout: SEVEN_DAYS })).toBe(ONE_HOUR);
    expect(renewalInterval({ idleTimeout: 2 * ONE_DAY, absoluteTimeout: SEVEN_DAYS })).toBe(ONE_HOUR);
    expect(renewalInterval({ idleTimeout: ONE_HOUR, absoluteTimeout: ONE_DAY })).toBe(150);
    expect(renewalInterval({ idleTimeout: 10, absoluteTimeout: 100 })).toBe(1);
  });

  it('does not renew inside the interval and renews at it', () => {
    const s = { lastActiveAt: T0 };
    expect(shouldRenew(s, T0, L)).toBe(false);
    expect(shouldRenew(s, T0 + ONE_HOUR - 1, L)).toBe(false);
    expect(shouldRenew(s, T0 + ONE_HOUR, L)).toBe(true);
  });
});

describe('accessTokenDue', () => {
  it('is due once within the skew of the expiry', () => {
    const t = { issuedAt: T0, expiresAt: T0 + 5 * ONE_MINUTE };
    expect(accessTokenDue(t, T0 + 5 * ONE_MINUTE - 31, 30)).toBe(false);
    expect(accessTokenDue(t, T0 + 5 * ONE_MINUTE - 30, 30)).toBe(true);
    expect(accessTokenDue(t, T0 + 10 * ONE_MINUTE, 30)).toBe(true);
  });

  it('caps the skew at half the token lifetime, so short tokens are not refreshed on every request', () => {
    const t = { issuedAt: T0, expiresAt: T0 + 20 };
    expect(accessTokenDue(t, T0, 30)).toBe(false);
    expect(accessTokenDue(t, T0 + 9, 30)).toBe(false);
    expect(accessTokenDue(t, T0 + 10, 30)).toBe(true);
  });

  it('keeps at least one second of margin even with a zero skew', () => {
    const t = { issuedAt: T0, expiresAt: T0 + 60 };
    expect(accessTokenDue(t, T0 + 58, 0)).toBe(false);
    expect(accessTokenDue(t, T0 + 59, 0)).toBe(true);
  });

  it('drops the margin only for tokens too short-lived to afford it', () => {
    const t = { issuedAt: T0, expiresAt: T0 + 1 };
    expect(accessTokenDue(t, T0, 30)).toBe(false);
    expect(accessTokenDue(t, T0 + 1, 30)).toBe(true);
  });

  it('treats a token issued after its expiry (a broken answer) as due', () => {
    expect(accessTokenDue({ issuedAt: T0, expiresAt: T0 - 10 }, T0, 30)).toBe(true);
  });
});

describe('refreshDueAt and browserRefreshAt', () => {
  const tokens = (lifetime: number) => ({ issuedAt: T0, expiresAt: T0 + lifetime });

  it('the server refreshes skew seconds before expiry, capped at half the lifetime, at least 1 s before', () => {
    expect(refreshDueAt(tokens(300), 30)).toBe(T0 + 270);
    expect(refreshDueAt(tokens(20), 30)).toBe(T0 + 10);
    expect(refreshDueAt(tokens(6), 0)).toBe(T0 + 5);
    expect(accessTokenDue(tokens(300), T0 + 269, 30)).toBe(false);
    expect(accessTokenDue(tokens(300), T0 + 270, 30)).toBe(true);
  });

  it('the browser renews at the skew, and 1 to 15 s ahead of the server (skew 0), never before the token was issued', () => {
    expect(browserRefreshAt(tokens(300), 30)).toBe(T0 + 270);
    expect(browserRefreshAt(tokens(300), 0)).toBe(T0 + 284);
    expect(browserRefreshAt(tokens(3600), 30)).toBe(T0 + 3570);
    expect(browserRefreshAt(tokens(20), 30)).toBe(T0 + 10);
    expect(browserRefreshAt(tokens(8), 30)).toBe(T0 + 4);
    expect(browserRefreshAt(tokens(6), 30)).toBe(T0 + 3);
    expect(browserRefreshAt(tokens(4), 30)).toBe(T0 + 2);
    expect(browserRefreshAt(tokens(1), 30)).toBe(T0);
    for (const lifetime of [4, 5, 10, 60, 300, 86_400]) {
      for (const skew of [0, 5, 30, 120]) expect(browserRefreshAt(tokens(lifetime), skew)).toBeLessThan(refreshDueAt(tokens(lifetime), 0));
    }
  });

  it('the server uses the configured skew only with a shared coordinator', () => {
    expect(serverRefreshSkew({ refreshSkew: 30, coordinator: { shared: true } })).toBe(30);
    expect(serverRefreshSkew({ refreshSkew: 30, coordinator: { shared: false } })).toBe(0);
  });
});
