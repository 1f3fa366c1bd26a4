import { InvalidArgumentError } from '@wedsync/crm-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlidingWindowLimiter } from '../src/rate-limit/sliding-window-limiter.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Largest number of grants inside any half-open span [t, t + durationMs) that starts at a grant. */
function maxInAnyWindow(times: readonly number[], durationMs: number): number {
  const sorted = [...times].sort((left, right) => left - right);
  let most = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    let count = 0;
    for (
      let index = start;
      index < sorted.length && sorted[index]! < sorted[start]! + durationMs;
      index += 1
    ) {
      count += 1;
    }
    most = Math.max(most, count);
  }
  return most;
}

describe('SlidingWindowLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function limiter(windows: { limit: number; durationMs: number }[]) {
    return new SlidingWindowLimiter({ windows, now: () => Date.now() });
  }

  /** Starts `count` acquisitions and records the fake time at which each is granted. */
  function acquireMany(subject: SlidingWindowLimiter, count: number, grants: number[]) {
    return Array.from({ length: count }, (_, index) =>
      subject.acquire().then((permit) => {
        permit.sent();
        grants[index] = Date.now();
      }),
    );
  }

  /** Acquires and sends at once. */
  async function send(subject: SlidingWindowLimiter, signal?: AbortSignal): Promise<void> {
    const permit = await subject.acquire(signal === undefined ? {} : { signal });
    permit.sent();
  }

  it('lets a burst up to the limit through at once, and the next one exactly when the oldest leaves', async () => {
    const start = Date.now();
    const subject = limiter([{ limit: 3, durationMs: MINUTE }]);
    const grants: number[] = [];
    const all = acquireMany(subject, 4, grants);
    await vi.advanceTimersByTimeAsync(0);
    expect(grants.slice(0, 3)).toEqual([start, start, start]);
    expect(grants[3]).toBeUndefined();
    expect(subject.waiting).toBe(1);
    expect(subject.delayMs()).toBe(MINUTE);
    await vi.advanceTimersByTimeAsync(MINUTE - 1);
    expect(grants[3]).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(grants[3]).toBe(start + MINUTE);
    await Promise.all(all);
  });

  it('enforces the hourly budget on top of the per-minute one', async () => {
    const start = Date.now();
    const subject = limiter([
      { limit: 3, durationMs: MINUTE },
      { limit: 5, durationMs: HOUR },
    ]);
    const grants: number[] = [];
    const all = acquireMany(subject, 7, grants);
    await vi.advanceTimersByTimeAsync(0);
    expect(grants.filter((time) => time !== undefined)).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(MINUTE);
    // The minute window has room for 3 again, but the hour allows only 2 more.
    expect(grants.filter((time) => time !== undefined)).toHaveLength(5);
    expect(subject.usage()).toEqual([
      { limit: 3, durationMs: MINUTE, used: 2 },
      { limit: 5, durationMs: HOUR, used: 5 },
    ]);
    await vi.advanceTimersByTimeAsync(HOUR - MINUTE - 1);
    expect(grants.filter((time) => time !== undefined)).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(all);
    expect(grants.slice(5)).toEqual([start + HOUR, start + HOUR]);
    expect(maxInAnyWindow(grants, MINUTE)).toBeLessThanOrEqual(3);
    expect(maxInAnyWindow(grants, HOUR)).toBeLessThanOrEqual(5);
  });

  it('serves waiters first in, first out', async () => {
    const subject = limiter([{ limit: 1, durationMs: 1000 }]);
    const order: number[] = [];
    const all = [0, 1, 2, 3].map((index) =>
      subject.acquire().then((permit) => {
        permit.sent();
        order.push(index);
      }),
    );
    await vi.advanceTimersByTimeAsync(3000);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('rejects an aborted waiter with the signal reason and keeps serving the others', async () => {
    const subject = limiter([{ limit: 1, durationMs: 1000 }]);
    await send(subject);
    const controller = new AbortController();
    const aborted = send(subject, controller.signal);
    const next = send(subject);
    const reason = new Error('job cancelled');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(subject.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(next).resolves.toBeUndefined();
    expect(subject.usage()[0]!.used).toBe(1);
  });

  it('rejects at once when the signal is already aborted, without counting', async () => {
    const subject = limiter([{ limit: 1, durationMs: 1000 }]);
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(send(subject, controller.signal)).rejects.toThrow('gone');
    expect(subject.usage()[0]!.used).toBe(0);
  });

  it('tryAcquire hands out a permit only when there is room and nobody waits', async () => {
    const subject = limiter([{ limit: 2, durationMs: 1000 }]);
    subject.tryAcquire()!.sent();
    subject.tryAcquire()!.sent();
    expect(subject.tryAcquire()).toBeUndefined();
    const waiting = send(subject);
    await vi.advanceTimersByTimeAsync(999);
    expect(subject.tryAcquire()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    // The waiter took the freed room; one is still free.
    expect(subject.tryAcquire()).toBeDefined();
    expect(subject.tryAcquire()).toBeUndefined();
  });

  it('counts a reservation as sending now, and logs the send when it really happens', async () => {
    const start = Date.now();
    const subject = limiter([{ limit: 2, durationMs: 1000 }]);
    const first = await subject.acquire();
    const second = await subject.acquire();
    expect(subject.usage()[0]!.used).toBe(2);
    // Both reserved, none sent: when room frees up depends on when they are sent.
    expect(subject.delayMs()).toBe(Number.POSITIVE_INFINITY);
    let thirdAt: number | undefined;
    const third = subject.acquire().then((permit) => {
      thirdAt = Date.now();
      permit.sent();
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(thirdAt).toBeUndefined();
    // The first request is sent 5 s late (a busy event loop): its window runs from then.
    first.sent();
    second.cancel();
    await vi.advanceTimersByTimeAsync(0);
    expect(thirdAt).toBe(start + 5000);
    await third;
    expect(subject.delayMs()).toBe(1000);
    // Settling twice changes nothing.
    first.sent();
    first.cancel();
    second.sent();
    expect(subject.usage()[0]!.used).toBe(2);
  });

  it('frees the room of a cancelled permit for the next waiter', async () => {
    const subject = limiter([{ limit: 1, durationMs: 60_000 }]);
    const permit = await subject.acquire();
    let granted = false;
    const next = send(subject).then(() => {
      granted = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(false);
    permit.cancel();
    await next;
    expect(granted).toBe(true);
  });

  it('keeps its log bounded: old sends are dropped and never block', async () => {
    const subject = limiter([
      { limit: 2, durationMs: 100 },
      { limit: 3, durationMs: 1000 },
    ]);
    for (let round = 0; round < 50; round += 1) {
      await send(subject);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(subject.usage().map((window) => window.used)).toEqual([0, 0]);
    expect(subject.delayMs()).toBe(0);
  });

  it('never exceeds any window and never waits longer than needed, for random traffic', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let trial = 0; trial < 20; trial += 1) {
      const windows = [
        { limit: 1 + Math.floor(random() * 5), durationMs: 100 + Math.floor(random() * 400) },
        { limit: 6 + Math.floor(random() * 10), durationMs: 1000 + Math.floor(random() * 2000) },
      ];
      const subject = limiter(windows);
      const requested: number[] = [];
      const grants: number[] = [];
      const pending: Promise<void>[] = [];
      const count = 40;
      for (let index = 0; index < count; index += 1) {
        requested[index] = Date.now();
        pending.push(
          subject.acquire().then((permit) => {
            permit.sent();
            grants[index] = Date.now();
          }),
        );
        await vi.advanceTimersByTimeAsync(Math.floor(random() * 120));
      }
      await vi.advanceTimersByTimeAsync(60_000);
      await Promise.all(pending);
      for (const window of windows) {
        expect(maxInAnyWindow(grants, window.durationMs)).toBeLessThanOrEqual(window.limit);
      }
      // Waits are exact: a grant happens on request, right after the previous grant (first in, first out), or
      // the instant an earlier send leaves one of the windows.
      for (let index = 0; index < count; index += 1) {
        const grant = grants[index]!;
        expect(grant).toBeGreaterThanOrEqual(requested[index]!);
        const explained =
          grant === requested[index] ||
          (index > 0 && grant === grants[index - 1]) ||
          grants
            .slice(0, index)
            .some((earlier) => windows.some((window) => earlier + window.durationMs === grant));
        expect(explained).toBe(true);
      }
    }
  });

  it('validates its options up front', () => {
    expect(() => new SlidingWindowLimiter({ windows: [] })).toThrow(InvalidArgumentError);
    expect(() => new SlidingWindowLimiter({ windows: [{ limit: 0, durationMs: 1000 }] })).toThrow(
      'Expected `windows[0].limit` to be an integer >= 1, got `0` (number)',
    );
    expect(() => new SlidingWindowLimiter({ windows: [{ limit: 1.5, durationMs: 1000 }] })).toThrow(
      'Expected `windows[0].limit` to be an integer >= 1, got `1.5` (number)',
    );
    expect(
      () => new SlidingWindowLimiter({ windows: [{ limit: 1, durationMs: 'x' as unknown as number }] }),
    ).toThrow(
      'Expected `windows[0].durationMs` to be a finite number > 0 and <= 2147483647, got `x` (string)',
    );
    expect(() => new SlidingWindowLimiter({ windows: [{ limit: 1, durationMs: 0 }] })).toThrow(
      'Expected `windows[0].durationMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
    );
    expect(
      () =>
        new SlidingWindowLimiter({
          windows: [{ limit: 1, durationMs: 10 }],
          now: 5 as unknown as () => number,
        }),
    ).toThrow('Expected `now` to be a function, got `5` (number)');
  });

  it('uses performance.now() by default', async () => {
    const subject = new SlidingWindowLimiter({ windows: [{ limit: 1, durationMs: 500 }] });
    expect(subject.windows).toEqual([{ limit: 1, durationMs: 500 }]);
    await send(subject);
    const second = send(subject);
    expect(subject.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    await expect(second).resolves.toBeUndefined();
  });
});
