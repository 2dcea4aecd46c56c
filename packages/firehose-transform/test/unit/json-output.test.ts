import { mulberry32 } from '@pipeline/commons';
import { describe, expect, it } from 'vitest';
import { firehoseTransform, ok } from '../../src/index.js';
import { assertValidResponse, buildEvent, decodeResponse } from '../../src/testing.js';
import { memoryLogger } from '../support/logger.js';

/** Runs `outputs[i]` as the `ok()` data of record i; returns the decoded response and each record's logged reason. */
async function run(outputs: readonly unknown[], framing: 'none' | 'newline' = 'none') {
  const logger = memoryLogger();
  const handler = firehoseTransform((record) => ok(outputs[record.index] as object), { logger, framing });
  const event = buildEvent(outputs.map((_, i) => String(i)));
  const response = await handler(event);
  assertValidResponse(event, response);
  const reasons = new Map(logger.entries.map((e) => [e.context?.recordId as string, String(e.context?.reason)]));
  return decodeResponse(response).map((r) => ({ ...r, reason: reasons.get(r.recordId) }));
}

class Hidden {
  #secret = 1;
  get secret(): number {
    return this.#secret;
  }
}
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('ok() data that JSON cannot carry as it is (issue 15, defect 6)', () => {
  const cycle: Record<string, unknown> = { trip: { legs: [{}] } };
  ((cycle.trip as { legs: Record<string, unknown>[] }).legs[0] as Record<string, unknown>).back = cycle.trip;

  const cases: Array<[string, unknown, string]> = [
    ['a Map', { trip: { tags: new Map([['a', 1]]) } }, 'data.trip.tags is a Map (JSON writes it as {})'],
    ['a Set', { items: [1, new Set([1])] }, 'data.items[1] is a Set (JSON writes it as {})'],
    ['an ArrayBuffer', { raw: new ArrayBuffer(4) }, 'data.raw is an ArrayBuffer (JSON cannot carry bytes)'],
    ['a Uint8Array', { raw: new Uint8Array([1, 2]) }, 'data.raw is a Uint8Array (JSON cannot carry bytes)'],
    ['a Float64Array', { v: new Float64Array(2) }, 'data.v is a Float64Array (JSON cannot carry bytes)'],
    ['a DataView', { v: new DataView(new ArrayBuffer(2)) }, 'data.v is a DataView (JSON cannot carry bytes)'],
    ['a BigInt', { fare: { cents: 1250n } }, 'data.fare.cents is a BigInt (JSON cannot carry it)'],
    ['a function', { f: () => 1 }, 'data.f is a function (JSON leaves it out)'],
    ['a symbol', { 'a-b': Symbol('s') }, 'data["a-b"] is a symbol (JSON leaves it out)'],
    ['a function in an array', { fs: [() => 1] }, 'data.fs[0] is a function (JSON writes it as null)'],
    ['NaN', { n: NaN }, 'data.n is NaN (JSON writes it as null)'],
    ['Infinity', { n: [-Infinity] }, 'data.n[0] is -Infinity (JSON writes it as null)'],
    ['a boxed NaN', { n: new Number(NaN) }, 'data.n is NaN (JSON writes it as null)'],
    ['an invalid Date', { at: new Date('not a date') }, 'data.at is an invalid Date (JSON writes it as null)'],
    ['an Error', { error: new TypeError('bad') }, 'data.error is a TypeError (JSON writes it as {})'],
    ['a RegExp', { re: /x/ }, 'data.re is a RegExp (JSON writes it as {})'],
    ['a Promise', { later: Promise.resolve(1) }, 'data.later is a Promise (JSON writes it as {}); await it first'],
    ['a WeakMap', { w: new WeakMap() }, 'data.w is a WeakMap (JSON writes it as {})'],
    [
      'a class instance whose JSON is {}',
      { h: new Hidden() },
      'data.h is an instance of Hidden with no enumerable properties',
    ],
    ['undefined in an array', { xs: [1, undefined] }, 'data.xs[1] is undefined in an array (JSON writes it as null)'],
    ['a hole in an array', { xs: new Array<number>(3).fill(1, 0, 1) }, 'data.xs[1] is a hole in a sparse array'],
    ['a cycle', cycle, 'data.trip.legs[0].back is a cycle: it refers back to data.trip'],
    ['a toJSON returning a Map', { v: { toJSON: () => new Map() } }, 'data.v is a Map'],
    ['a Map at the top', new Map([['a', 1]]), 'data is a Map (JSON writes it as {})'],
    ['a Set at the top', new Set([1]), 'data is a Set'],
    [
      'a getter that throws',
      {
        get x(): number {
          throw new Error('boom');
        },
      },
      'reading data.x threw Error: boom',
    ],
  ];

  it.each(cases)('fails a record holding %s, naming the type and the path', async (_, output, reason) => {
    const [record] = await run([output]);
    expect(record?.result).toBe('ProcessingFailed');
    expect(record?.reason).toContain('ok() data cannot be sent as JSON as it is: ');
    expect(record?.reason).toContain(reason);
  });

  it('fails a typed array of wider elements at the top, whose bytes depend on byte order', async () => {
    const [record] = await run([new Float32Array([1.5])]);
    expect(record?.result).toBe('ProcessingFailed');
    expect(record?.reason).toContain('ok() data is a Float32Array, whose bytes depend on the machine');
  });

  it('fails only the bad record of a batch; the others are delivered', async () => {
    const records = await run([{ a: 1 }, { m: new Map() }, { b: 2 }]);
    expect(records.map((r) => r.result)).toEqual(['Ok', 'ProcessingFailed', 'Ok']);
    expect(records[2]?.json()).toEqual({ b: 2 });
  });
});

describe('ok() data delivered as it is', () => {
  const bytes = Uint8Array.from([0, 1, 2, 0xff, 0x0a, 0x80, 7]);

  it('sends bytes as those exact bytes, whatever holds them', async () => {
    const shared = new SharedArrayBuffer(3);
    new Uint8Array(shared).set([9, 8, 7]);
    const outputs = [
      bytes,
      bytes.subarray(2, 5),
      Buffer.from(bytes),
      bytes.slice().buffer,
      bytes.buffer.slice(1, 4),
      new DataView(bytes.buffer, 3, 2),
      new Uint8ClampedArray([255, 0, 128]),
      shared,
      new ArrayBuffer(0),
    ];
    const expected = [
      [0, 1, 2, 0xff, 0x0a, 0x80, 7],
      [2, 0xff, 0x0a],
      [0, 1, 2, 0xff, 0x0a, 0x80, 7],
      [0, 1, 2, 0xff, 0x0a, 0x80, 7],
      [1, 2, 0xff],
      [0xff, 0x0a],
      [255, 0, 128],
      [9, 8, 7],
      [],
    ];
    const records = await run(outputs);
    expect(records.map((r) => r.result)).toEqual(outputs.map(() => 'Ok'));
    expect(records.map((r) => [...r.bytes])).toEqual(expected);
    const framed = await run(outputs, 'newline');
    expect(framed.map((r) => [...r.bytes])).toEqual(expected.map((e) => (e.at(-1) === 0x0a ? e : [...e, 0x0a])));
  });

  it('writes what JSON carries: toJSON (Date, Buffer), class fields, null-prototype objects, shared references', async () => {
    const shared = { id: 1 };
    const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
    const records = await run([
      { at: new Date(0), raw: Buffer.from('hi'), point: new Point(1, 2), left: shared, right: shared },
      nullProto,
      { optional: undefined, kept: 'yes', n: new Number(3), s: new String('s') },
      { big: { toJSON: () => '12345678901234567890' } },
    ]);
    expect(records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Ok', 'Ok']);
    expect(records[0]?.json()).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      raw: { type: 'Buffer', data: [104, 105] },
      point: { x: 1, y: 2 },
      left: { id: 1 },
      right: { id: 1 },
    });
    expect(records[1]?.json()).toEqual({ a: 1 });
    expect(records[2]?.text).toBe('{"kept":"yes","n":3,"s":"s"}');
    expect(records[3]?.json()).toEqual({ big: '12345678901234567890' });
  });
});

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)] as T;

const KEYS = ['id', 'trip', 'fare', 'a-b', 'x y', '', 'légende', '$v', '_0'];

/** A random value JSON carries faithfully, with what JSON.parse gives back for it. */
function cleanValue(rng: Rng, depth: number): { value: unknown; model: unknown } {
  const kind = depth >= 4 ? int(rng, 5) : int(rng, 9);
  switch (kind) {
    case 0:
      return { value: null, model: null };
    case 1: {
      const n = (rng() - 0.5) * 10 ** int(rng, 12);
      return { value: n, model: n === 0 ? 0 : n };
    }
    case 2: {
      const s = pick(rng, ['', 'Zoë 🚕', 'line\nbreak', '"quoted"', '\u2028', 'N']);
      return { value: s, model: s };
    }
    case 3: {
      const b = rng() < 0.5;
      return { value: b, model: b };
    }
    case 4: {
      const ms = int(rng, 2e12);
      return { value: new Date(ms), model: new Date(ms).toISOString() };
    }
    case 5:
    case 6:
      return cleanObject(rng, depth + 1);
    default: {
      const value: unknown[] = [];
      const model: unknown[] = [];
      for (let i = int(rng, 4); i > 0; i--) {
        const item = cleanValue(rng, depth + 1);
        value.push(item.value);
        model.push(item.model);
      }
      return { value, model };
    }
  }
}

function cleanObject(rng: Rng, depth: number): { value: Record<string, unknown>; model: Record<string, unknown> } {
  const value: Record<string, unknown> = {};
  const model: Record<string, unknown> = {};
  for (let i = int(rng, 5); i > 0; i--) {
    const key = pick(rng, KEYS);
    if (rng() < 0.1) {
      value[key] = undefined;
      delete model[key];
      continue;
    }
    const item = cleanValue(rng, depth);
    value[key] = item.value;
    model[key] = item.model;
  }
  return { value, model };
}

/** Values JSON would change, with the words the reason must use. */
const POISONS: Array<[() => unknown, string]> = [
  [() => new Map([[1, 2]]), 'a Map'],
  [() => new Set([1]), 'a Set'],
  [() => new ArrayBuffer(4), 'an ArrayBuffer'],
  [() => new Uint8Array(3), 'a Uint8Array'],
  [() => new Int16Array(2), 'an Int16Array'],
  [() => new DataView(new ArrayBuffer(2)), 'a DataView'],
  [() => 10n ** 20n, 'a BigInt'],
  [() => () => 1, 'a function'],
  [() => Symbol('s'), 'a symbol'],
  [() => NaN, 'NaN'],
  [() => Infinity, 'Infinity'],
  [() => new Error('e'), 'an Error'],
  [() => /re/g, 'a RegExp'],
  [() => new Date(Number.NaN), 'an invalid Date'],
  [() => new Hidden(), 'an instance of Hidden'],
  [() => new WeakSet(), 'a WeakSet'],
];

function pathOf(keys: readonly (string | number)[]): string {
  return keys
    .map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`))
    .join('');
}

/** Puts a poison (or a cycle) somewhere in `root`; returns the words its reason must contain. */
function poison(rng: Rng, root: Record<string, unknown>): string {
  const keys: (string | number)[] = [];
  const containers: object[] = [root];
  let node: Record<string | number, unknown> | unknown[] = root;
  while (rng() < 0.6) {
    const children = Object.entries(node).filter(
      ([, v]) => typeof v === 'object' && v !== null && !(v instanceof Date),
    );
    if (children.length === 0) break;
    const [key, child] = pick(rng, children);
    keys.push(Array.isArray(node) ? Number(key) : key);
    containers.push(child as object);
    node = child as Record<string, unknown>;
  }
  const key = Array.isArray(node) ? node.length : pick(rng, KEYS);
  keys.push(key);
  const where = `data${pathOf(keys)}`;
  if (rng() < 0.15) {
    const back = int(rng, containers.length);
    (node as Record<string | number, unknown>)[key] = containers[back];
    return `${where} is a cycle: it refers back to data${pathOf(keys.slice(0, back))}`;
  }
  const [make, type] = pick(rng, POISONS);
  (node as Record<string | number, unknown>)[key] = make();
  return `${where} is ${type}`;
}

const BYTE_HOLDERS: Array<(bytes: Uint8Array) => unknown> = [
  (b) => b,
  (b) => Buffer.from(b),
  (b) => b.slice().buffer,
  (b) => {
    const padded = new Uint8Array(b.length + 3);
    padded.set(b, 2);
    return new DataView(padded.buffer, 2, b.length);
  },
  (b) => {
    const padded = new Uint8Array(b.length + 4);
    padded.set(b, 1);
    return padded.subarray(1, 1 + b.length);
  },
];

type Expectation =
  | { kind: 'json'; model: unknown }
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'text'; text: string }
  | { kind: 'fails'; words: string };

describe('fuzz: whatever the handler returns, each record is answered once with exactly that or a reason', () => {
  it('holds over 60 seeded batches of mixed good, bad and byte outputs', async () => {
    const tally: Record<Expectation['kind'], number> = { json: 0, bytes: 0, text: 0, fails: 0 };
    for (let seed = 1; seed <= 60; seed++) {
      const rng = mulberry32(seed);
      const framing = seed % 3 === 0 ? 'newline' : 'none';
      const n = 1 + int(rng, 80);
      const outputs: unknown[] = [];
      const expectations: Expectation[] = [];
      for (let i = 0; i < n; i++) {
        const roll = rng();
        if (roll < 0.2) {
          const bytes = Uint8Array.from({ length: int(rng, 40) }, () => int(rng, 256));
          outputs.push(pick(rng, BYTE_HOLDERS)(bytes));
          expectations.push({ kind: 'bytes', bytes: [...bytes] });
        } else if (roll < 0.25) {
          const text = pick(rng, ['', 'a,b,c', 'ünï\n', '{"x":1}']);
          outputs.push(text);
          expectations.push({ kind: 'text', text });
        } else {
          const { value, model } = cleanObject(rng, 0);
          if (roll < 0.6) {
            expectations.push({ kind: 'fails', words: poison(rng, value) });
          } else {
            expectations.push({ kind: 'json', model });
          }
          outputs.push(value);
        }
      }
      const logger = memoryLogger();
      const handler = firehoseTransform(
        (record) => {
          const result = ok(outputs[record.index] as object);
          return record.index % 4 === 1 ? Promise.resolve(result) : result;
        },
        { logger, framing },
      );
      const event = buildEvent(outputs.map((_, i) => `r${i}`));
      const response = await handler(event);
      assertValidResponse(event, response);
      expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
      const reasons = new Map(logger.entries.map((e) => [e.context?.recordId as string, String(e.context?.reason)]));
      const decoded = decodeResponse(response);
      decoded.forEach((record, i) => {
        const expected = expectations[i] as Expectation;
        tally[expected.kind]++;
        const label = `seed ${seed}, record ${i}`;
        if (expected.kind === 'fails') {
          expect(record.result, label).toBe('ProcessingFailed');
          expect(reasons.get(record.recordId), label).toContain(expected.words);
          return;
        }
        expect(record.result, `${label}: ${reasons.get(record.recordId)}`).toBe('Ok');
        const frame = (bytes: number[]): number[] =>
          framing === 'newline' && bytes.at(-1) !== 0x0a ? [...bytes, 0x0a] : bytes;
        if (expected.kind === 'bytes') {
          expect([...record.bytes], label).toEqual(frame(expected.bytes));
        } else if (expected.kind === 'text') {
          expect([...record.bytes], label).toEqual(frame([...Buffer.from(expected.text, 'utf8')]));
        } else {
          expect(record.text.endsWith('\n'), label).toBe(framing === 'newline');
          expect(JSON.parse(record.text), label).toStrictEqual(expected.model);
        }
      });
    }
    expect(tally.fails).toBeGreaterThan(300);
    expect(tally.json).toBeGreaterThan(300);
    expect(tally.bytes).toBeGreaterThan(100);
    expect(tally.text).toBeGreaterThan(20);
  });
});
