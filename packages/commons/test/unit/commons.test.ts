import { describe, expect, it, vi } from 'vitest';
import {
  budgetedPull,
  ConfigurationError,
  consoleWarnLogger,
  emfDocument,
  fullJitterDelay,
  mulberry32,
  silentLogger,
} from '../../src/index.js';

describe('logger', () => {
  it('prefixes warnings and errors with the library name and drops debug/info', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const logger = consoleWarnLogger('@pipeline/x');
    logger.debug('d');
    logger.info('i');
    logger.warn('w', { a: 1 });
    logger.error('e');
    expect(warn).toHaveBeenCalledWith('[@pipeline/x] w', { a: 1 });
    expect(error).toHaveBeenCalledWith('[@pipeline/x] e', '');
    expect(info).not.toHaveBeenCalled();
    silentLogger.error('nothing');
    expect(error).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });
});

describe('ConfigurationError', () => {
  it('names the option', () => {
    const error = new ConfigurationError('maxConnections', 'must be at least 1, got 0');
    expect(error.message).toBe('maxConnections: must be at least 1, got 0');
    expect(error.option).toBe('maxConnections');
    expect(error.name).toBe('ConfigurationError');
    expect(error).toBeInstanceOf(Error);
  });
});

describe('fullJitterDelay', () => {
  it('stays within [0, min(max, base × 2^(attempt−1)))', () => {
    expect(fullJitterDelay(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(fullJitterDelay(3, 100, 10_000, () => 0.5)).toBe(200);
    expect(fullJitterDelay(40, 100, 10_000, () => 0.5)).toBe(5_000);
    expect(fullJitterDelay(0, 100, 10_000, () => 0.5)).toBe(50);
    const random = mulberry32(1);
    for (let attempt = 1; attempt < 50; attempt++) {
      const delay = fullJitterDelay(attempt, 50, 2_000, random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(2_000);
    }
  });
});

describe('mulberry32', () => {
  it('is deterministic per seed and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(values[0]);
  });
});

describe('emfDocument', () => {
  it('renders values at the top level and names them under _aws', () => {
    const doc = emfDocument({
      namespace: 'N',
      dimensions: { StreamName: 's' },
      metrics: [
        ['Records', 3, 'Count'],
        ['Bytes', 10, 'Bytes'],
      ],
      properties: { invocationId: 'i' },
      timestamp: 5,
    });
    expect(doc).toEqual({
      StreamName: 's',
      invocationId: 'i',
      Records: 3,
      Bytes: 10,
      _aws: {
        Timestamp: 5,
        CloudWatchMetrics: [
          {
            Namespace: 'N',
            Dimensions: [['StreamName']],
            Metrics: [
              { Name: 'Records', Unit: 'Count' },
              { Name: 'Bytes', Unit: 'Bytes' },
            ],
          },
        ],
      },
    });
  });
});

describe('budgetedPull', () => {
  it('never holds more than maxItems unread and yields every outcome', async () => {
    let open = 0;
    let peak = 0;
    const pending: Array<() => void> = [];
    const iterator = budgetedPull<number, number>({
      source: Array.from({ length: 1000 }, (_, i) => i),
      maxItems: 10,
      submit: (item, index, settle) => {
        expect(index).toBe(item);
        open++;
        peak = Math.max(peak, open);
        pending.push(() => {
          open--;
          settle(item * 2);
        });
      },
    });
    const timer = setInterval(() => {
      for (const settle of pending.splice(0)) settle();
    }, 1);
    const seen: number[] = [];
    for await (const outcome of iterator) seen.push(outcome);
    clearInterval(timer);
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2));
    expect(peak).toBeLessThanOrEqual(10);
  });

  it('honours the byte budget and always lets one item through', async () => {
    const sizes: number[] = [];
    let openBytes = 0;
    let peakBytes = 0;
    const source = [5, 5, 5, 50, 5];
    const queue: Array<() => void> = [];
    const iterator = budgetedPull<number, number>({
      source,
      maxItems: 100,
      maxBytes: 12,
      sizeOf: (n) => n,
      submit: (n, _i, settle) => {
        openBytes += n;
        peakBytes = Math.max(peakBytes, openBytes);
        sizes.push(n);
        queue.push(() => {
          openBytes -= n;
          settle(n);
        });
      },
    });
    const timer = setInterval(() => queue.shift()?.(), 1);
    const out: number[] = [];
    for await (const n of iterator) out.push(n);
    clearInterval(timer);
    expect(out).toEqual(source);
    expect(peakBytes).toBe(50);
  });

  it('settles synchronously submitted items and calls onSourceEnd once', async () => {
    const ends: number[] = [];
    const out: string[] = [];
    for await (const v of budgetedPull<string, string>({
      source: ['a', 'b', 'c'],
      maxItems: 1,
      submit: (item, _i, settle) => settle(item.toUpperCase()),
      onSourceEnd: (taken) => ends.push(taken),
    }))
      out.push(v);
    expect(out).toEqual(['A', 'B', 'C']);
    expect(ends).toEqual([3]);
  });

  it('rethrows a source error after the outcomes it gave', async () => {
    async function* source() {
      yield 1;
      yield 2;
      throw new Error('boom');
    }
    const out: number[] = [];
    await expect(async () => {
      for await (const v of budgetedPull<number, number>({ source: source(), maxItems: 5, submit: (n, _i, s) => s(n) }))
        out.push(v);
    }).rejects.toThrow('boom');
    expect(out).toEqual([1, 2]);
  });

  it('stops pulling when the consumer breaks, and waits for room downstream', async () => {
    let taken = 0;
    let roomWaits = 0;
    function* source() {
      for (let i = 0; i < 1_000_000; i++) {
        taken++;
        yield i;
      }
    }
    let gate = true;
    for await (const v of budgetedPull<number, number>({
      source: source(),
      maxItems: 4,
      submit: (n, _i, settle) => setTimeout(() => settle(n), 0),
      waitForRoom: () => {
        if (!gate) return undefined;
        gate = false;
        roomWaits++;
        return new Promise((resolve) => setTimeout(resolve, 2));
      },
    })) {
      if (v >= 10) break;
    }
    expect(roomWaits).toBe(1);
    expect(taken).toBeLessThan(30);
  });
});
