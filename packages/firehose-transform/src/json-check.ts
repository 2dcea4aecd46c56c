import { types } from 'node:util';

/**
 * Checks that `JSON.stringify` writes a value as it is, before it is sent: JSON turns a `Map`, a `Set`, an
 * `ArrayBuffer` or an `Error` into `{}`, a typed array into an object of indices, `NaN` into `null`, drops functions
 * and symbols, and throws on `BigInt` and cycles. Each of those would deliver data other than what the transform
 * function returned, so the record fails instead, with a reason naming the value's type and where it sits
 * (`data.trip.tags`, `data.items[3]`).
 *
 * What passes: plain objects and arrays of strings, finite numbers, booleans and `null`; objects with a `toJSON`
 * method (`Date`, `Buffer`, decimal types…), whose result is checked in turn; class instances with enumerable
 * properties (JSON writes those); and `undefined` as an object property (JSON leaves the property out, which is what
 * an absent optional field means). Symbol-keyed and non-enumerable properties are not data and are not written.
 */
export function findJsonProblem(value: unknown): string | undefined {
  try {
    if (isFlatRecord(value)) return undefined;
  } catch {
    // A getter threw: the walk below says where.
  }
  const walk = new JsonWalk();
  try {
    walk.check(value, '', 'root');
    return undefined;
  } catch (error) {
    if (error instanceof JsonProblem) return error.message;
    if (error instanceof RangeError && walk.path.length > 1000) {
      return `${walk.where()} is nested ${walk.path.length} levels deep, too deep to serialize`;
    }
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return `reading ${walk.where()} threw ${detail}`;
  }
}

/**
 * The common case, checked without allocating: a plain object whose values are all strings, booleans, finite numbers
 * or null (one flat record). Anything else takes the full walk.
 */
function isFlatRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || !isPlainObject(value)) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  // for-in (V8's enum-cache fast path); an inherited enumerable key only sends the object to the full walk.
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    const type = typeof field;
    if (type === 'string' || type === 'boolean' || field === null) continue;
    if (type !== 'number' || !Number.isFinite(field)) return false;
  }
  return true;
}

class JsonProblem extends Error {}

/** Where a value sits: under an object property (undefined is left out there) or in an array (written as null). */
type Slot = 'root' | 'property' | 'element';

class JsonWalk {
  /** Keys from the root to the value being checked. */
  readonly path: (string | number)[] = [];
  /** The objects being walked, outermost first (for cycles); each sits at the path length of its index. */
  readonly #ancestors: object[] = [];

  /** The path as code would write it; a very deep one keeps its first and last keys. */
  where(length: number = this.path.length): string {
    let out = 'data';
    for (let i = 0; i < length; i++) {
      if (length > MAX_SHOWN_KEYS && i === MAX_SHOWN_KEYS / 2) {
        out += `…(${length - MAX_SHOWN_KEYS} keys)…`;
        i = length - MAX_SHOWN_KEYS / 2 - 1;
        continue;
      }
      const key = this.path[i] as string | number;
      out += typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    }
    return out;
  }

  fail(what: string): never {
    throw new JsonProblem(`${this.where()} is ${what}`);
  }

  /** `replaced`: the value is what a `toJSON` returned (JSON does not call `toJSON` on that again). */
  check(value: unknown, key: string, slot: Slot, replaced = false): void {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(value)) this.fail(`${value} (JSON writes it as null); send a finite number or null`);
        return;
      case 'undefined':
        if (slot === 'element') this.fail('undefined in an array (JSON writes it as null); use null');
        return;
      case 'function':
      case 'symbol':
        this.fail(`a ${typeof value} (JSON ${slot === 'element' ? 'writes it as null' : 'leaves it out'})`);
    }
    if (value === null) return;
    if (!replaced) {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        if (types.isDate(value) && Number.isNaN(value.getTime())) this.fail('an invalid Date (JSON writes it as null)');
        this.check(toJSON.call(value, key), key, slot, true);
        return;
      }
    }
    if (typeof value === 'bigint') this.fail(BIGINT);
    this.checkObject(value as object, key, slot);
  }

  checkObject(value: object, key: string, slot: Slot): void {
    const array = Array.isArray(value);
    if (!array && !isPlainObject(value)) {
      const unsupported = unsupportedObject(value);
      if (unsupported !== undefined) this.fail(unsupported);
      if (types.isBoxedPrimitive(value)) {
        this.check(value.valueOf(), key, slot, true);
        return;
      }
    }
    const seenAt = this.#ancestors.indexOf(value);
    if (seenAt !== -1) {
      this.fail(`a cycle: it refers back to ${this.where(seenAt)} (JSON cannot carry cycles)`);
    }
    this.#ancestors.push(value);
    if (array) {
      this.checkArray(value);
    } else {
      const keys = Object.keys(value);
      if (keys.length === 0 && !isPlainObject(value)) {
        this.fail(`${describeType(value)} with no enumerable properties (JSON writes it as {})`);
      }
      for (const name of keys) {
        this.path.push(name);
        this.check((value as Record<string, unknown>)[name], name, 'property');
        this.path.pop();
      }
    }
    this.#ancestors.pop();
  }

  checkArray(value: readonly unknown[]): void {
    for (let i = 0; i < value.length; i++) {
      this.path.push(i);
      if (!(i in value)) this.fail('a hole in a sparse array (JSON writes it as null); use null');
      this.check(value[i], String(i), 'element');
      this.path.pop();
    }
  }
}

const BIGINT = 'a BigInt (JSON cannot carry it); convert it with String() or Number()';
const MAX_SHOWN_KEYS = 16;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Built-in objects JSON does not write as they are, with what to send instead. */
function unsupportedObject(value: object): string | undefined {
  if (types.isMap(value)) return 'a Map (JSON writes it as {}); send Object.fromEntries(map) or [...map]';
  if (types.isSet(value)) return 'a Set (JSON writes it as {}); send [...set]';
  if (types.isWeakMap(value) || types.isWeakSet(value)) return `a ${describeTag(value)} (JSON writes it as {})`;
  if (types.isAnyArrayBuffer(value) || types.isArrayBufferView(value)) {
    return `${describeType(value)} (JSON cannot carry bytes); send them as a base64 string, or return the bytes alone as the record's data`;
  }
  if (types.isPromise(value)) return 'a Promise (JSON writes it as {}); await it first';
  if (types.isRegExp(value)) return 'a RegExp (JSON writes it as {}); send its source as a string';
  if (types.isNativeError(value)) return `${describeType(value)} (JSON writes it as {}); send its message as a string`;
  if (types.isBigIntObject(value)) return BIGINT;
  if (types.isSymbolObject(value)) return 'a symbol object (JSON writes it as {})';
  if (types.isGeneratorObject(value) || types.isMapIterator(value) || types.isSetIterator(value)) {
    return 'an iterator (JSON writes it as {}); spread it into an array';
  }
  if (typeof WeakRef === 'function' && value instanceof WeakRef) return 'a WeakRef (JSON writes it as {})';
  return undefined;
}

/** A plain object of any realm: its prototype is null or an `Object.prototype`. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function describeTag(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

/** `a Uint8Array`, `an instance of Trip`, `a TypeError`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return `a ${typeof value}`;
  if (typeof value === 'function') return 'a function';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const builtIn = types.isAnyArrayBuffer(value) || types.isArrayBufferView(value) || types.isNativeError(value);
  if (typeof name === 'string' && name !== '' && name !== 'Object') {
    return builtIn ? `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}` : `an instance of ${name}`;
  }
  return `a ${describeTag(value)}`;
}
