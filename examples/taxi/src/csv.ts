import { createReadStream } from 'node:fs';
import { formatTimestamp, validate } from '@pipeline/schema';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { CSV_COLUMNS, TRIP_FIELDS, type Trip, tripSchema } from './schema.js';
import { checkTimeZone, parseCsvDate } from './time.js';

/** CSV text: a string (the content, not a path), bytes, or a stream / (async) iterable of chunks (UTF-8). */
export type TripCsvInput = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

export interface TripCsvOptions {
  /**
   * `auto` (default): the first row is a header when at least half its cells are column names. `true`: the first row must be a header.
   * `false`: every row is data. A header may use the snake_case names (`vendor_id`) or the JSON names (`vendorId`)
   * in any order; columns are then matched by name. Without a header the column order is the workshop's.
   */
  readonly header?: 'auto' | boolean;
  /** IANA zone the CSV's wall-clock times are in. Default `UTC`. The workshop data is New York local time. */
  readonly timeZone?: string;
  /**
   * Shift every pickup and dropoff by the same offset so the file's first pickup (the first row whose pickup time
   * parses) lands on this instant, keeping the spacing between trips (the workshop producer re-bases to "now").
   */
  readonly rebaseTo?: Date;
  /** Check each record against `tripSchema` (ranges, enums, id pattern). Default true. */
  readonly validate?: boolean;
}

/** One problem in a row: where it is and what is wrong. */
export interface TripCsvIssue {
  /** 1-based column number in the file. */
  readonly column: number;
  /** The column's workshop (snake_case) name, e.g. `passenger_count`. */
  readonly columnName: string;
  /** The cell text as read (trimmed), or the whole line for CSV syntax errors. */
  readonly value: string;
  /** What is wrong, e.g. `is not an integer`, `12 is above max 9`. */
  readonly message: string;
}

/** A malformed data row. The message names the line, each column and value, and the rule. */
export class TripCsvRowError extends Error {
  override readonly name = 'TripCsvRowError';
  /** 1-based line number in the file. */
  readonly line: number;
  /** Every problem found in the row (at least one). */
  readonly issues: readonly [TripCsvIssue, ...TripCsvIssue[]];

  constructor(line: number, issues: readonly [TripCsvIssue, ...TripCsvIssue[]]) {
    const parts = issues.map((i) => `column ${i.column} (${i.columnName}) ${JSON.stringify(i.value)}: ${i.message}`);
    super(`line ${line}: ${parts.join('; ')}`);
    this.line = line;
    this.issues = issues;
  }

  /** The first issue's column number. */
  get column(): number {
    return this.issues[0].column;
  }

  /** The first issue's column name. */
  get columnName(): string {
    return this.issues[0].columnName;
  }

  /** The first issue's cell text. */
  get value(): string {
    return this.issues[0].value;
  }
}

/** A problem with the file as a whole (a bad header); reading stops. */
export class TripCsvError extends Error {
  override readonly name = 'TripCsvError';
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/** One result per data row, in file order. */
export type TripCsvResult =
  | { readonly ok: true; readonly line: number; readonly record: Trip }
  | { readonly ok: false; readonly line: number; readonly error: TripCsvRowError };

type FieldName = (typeof TRIP_FIELDS)[number];
type CellKind = 'string' | 'int' | 'double' | 'date';

const KINDS: Record<FieldName, CellKind> = {
  id: 'string',
  vendorId: 'int',
  pickupDate: 'date',
  dropoffDate: 'date',
  passengerCount: 'int',
  pickupLongitude: 'double',
  pickupLatitude: 'double',
  dropoffLongitude: 'double',
  dropoffLatitude: 'double',
  storeAndFwdFlag: 'string',
  gcDistance: 'double',
  tripDuration: 'int',
  googleDistance: 'int',
  googleDuration: 'int',
};

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BATCH_LINES = 1000;
const CSV_OPTIONS = { trim: true, relax_column_count: true } as const;

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Header aliases: snake_case CSV names and camelCase JSON names, normalized (lower case, no separators). */
const HEADER_NAMES = new Map<string, number>();
TRIP_FIELDS.forEach((f, i) => {
  HEADER_NAMES.set(normalizeName(f), i);
  HEADER_NAMES.set(normalizeName(CSV_COLUMNS[i] ?? f), i);
});

interface Line {
  readonly number: number;
  readonly text: string;
}

/** Splits a byte or text stream into non-blank lines with 1-based line numbers, in batches. */
async function* lineBatches(input: TripCsvInput): AsyncGenerator<Line[]> {
  const chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array> =
    typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: false });
  let pending = '';
  let lineNumber = 0;
  let batch: Line[] = [];
  const take = (text: string): void => {
    lineNumber++;
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (lineNumber === 1 && line.startsWith('\uFEFF')) {
      if (line.slice(1).trim() !== '') batch.push({ number: lineNumber, text: line.slice(1) });
    } else if (line.trim() !== '') {
      batch.push({ number: lineNumber, text: line });
    }
  };
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      take(pending.slice(start, nl));
      start = nl + 1;
    }
    pending = pending.slice(start);
    if (batch.length >= BATCH_LINES) {
      yield batch;
      batch = [];
    }
  }
  pending += decoder.decode();
  if (pending !== '') take(pending);
  if (batch.length > 0) yield batch;
}

/**
 * Parses a batch with csv-parse. Records must not span lines (the workshop format has none), so a batch that
 * yields one record per line is taken whole; otherwise (a quote error, or a quoted line break) each line is parsed
 * alone so one bad line cannot swallow its neighbours.
 */
function parseBatch(lines: readonly Line[]): (string[] | CsvError)[] {
  try {
    const records = parseCsv(lines.map((l) => l.text).join('\n'), CSV_OPTIONS) as string[][];
    if (records.length === lines.length) return records;
  } catch {
    // fall through to line-by-line parsing
  }
  return lines.map((l) => {
    try {
      const [record] = parseCsv(l.text, CSV_OPTIONS) as string[][];
      return record ?? [];
    } catch (error) {
      if (error instanceof CsvError) return error;
      throw error;
    }
  });
}

/** The workshop name of a trip field, or `extra` for a position past the known columns. */
function columnName(fieldIndex: number | undefined): string {
  return (fieldIndex === undefined ? undefined : CSV_COLUMNS[fieldIndex]) ?? 'extra';
}

/** Turns CSV cells into trips: header handling, per-cell conversion, re-basing, validation. */
class RowReader {
  private readonly header: 'auto' | boolean;
  private readonly timeZone: string;
  private readonly rebaseTo: number | undefined;
  private readonly check: boolean;
  /** For each trip field, its 0-based position in the row. */
  private positions: readonly number[] = TRIP_FIELDS.map((_, i) => i);
  /** For each row position, the trip field index. */
  private fieldAt: readonly (number | undefined)[] = TRIP_FIELDS.map((_, i) => i);
  private expectedColumns = TRIP_FIELDS.length;
  private seenFirstRow = false;
  private offset: number | undefined;

  constructor(options: TripCsvOptions) {
    this.header = options.header ?? 'auto';
    this.timeZone = options.timeZone ?? 'UTC';
    checkTimeZone(this.timeZone);
    const rebase = options.rebaseTo?.getTime();
    if (rebase !== undefined && !Number.isFinite(rebase)) throw new RangeError('rebaseTo is an invalid Date');
    this.rebaseTo = rebase;
    this.check = options.validate ?? true;
  }

  /** Consumes a header row (returns undefined) or converts a data row. */
  read(line: number, cells: string[] | CsvError, rawLine: string): TripCsvResult | undefined {
    if (cells instanceof CsvError) {
      const column = typeof cells.column === 'number' ? cells.column + 1 : 1;
      const message = cells.message.replace(/ at line \d+/, '');
      if (!this.seenFirstRow) this.seenFirstRow = true;
      return this.fail(line, [{ column, columnName: columnName(this.fieldAt[column - 1]), value: rawLine, message }]);
    }
    if (!this.seenFirstRow) {
      this.seenFirstRow = true;
      // Data rows never hold column names; a row where at least half the cells are names is a header.
      const names = cells.filter((cell) => HEADER_NAMES.has(normalizeName(cell))).length;
      const looksLikeHeader = names > 0 && names * 2 >= cells.length;
      if (this.header === true || (this.header === 'auto' && looksLikeHeader)) {
        this.useHeader(line, cells);
        return undefined;
      }
    }
    return this.convert(line, cells);
  }

  private useHeader(line: number, cells: readonly string[]): void {
    const positions: number[] = [];
    const fieldAt: (number | undefined)[] = [];
    cells.forEach((cell, position) => {
      const index = HEADER_NAMES.get(normalizeName(cell));
      if (index === undefined) {
        throw new TripCsvError(
          line,
          `header column ${position + 1} ${JSON.stringify(cell)} is not a trip column (expected ${CSV_COLUMNS.join(', ')})`,
        );
      }
      if (positions[index] !== undefined) {
        throw new TripCsvError(
          line,
          `header names ${CSV_COLUMNS[index]} twice (columns ${(positions[index] ?? 0) + 1} and ${position + 1})`,
        );
      }
      positions[index] = position;
      fieldAt[position] = index;
    });
    const missing = CSV_COLUMNS.filter((_, i) => positions[i] === undefined);
    if (missing.length > 0) throw new TripCsvError(line, `header lacks column(s) ${missing.join(', ')}`);
    this.positions = positions;
    this.fieldAt = fieldAt;
    this.expectedColumns = cells.length;
  }

  private fail(line: number, issues: TripCsvIssue[]): TripCsvResult {
    const [first, ...rest] = issues;
    if (first === undefined) throw new Error('internal: fail() without issues');
    return { ok: false, line, error: new TripCsvRowError(line, [first, ...rest]) };
  }

  private convert(line: number, cells: readonly string[]): TripCsvResult {
    if (cells.length !== this.expectedColumns) {
      const column = Math.min(cells.length, this.expectedColumns) + 1;
      const tooMany = cells.length > this.expectedColumns;
      return this.fail(line, [
        {
          column,
          columnName: columnName(this.fieldAt[column - 1]),
          value: tooMany ? (cells[column - 1] ?? '') : '',
          message: `${tooMany ? 'unexpected extra column' : 'missing'}: the row has ${cells.length} columns, expected ${this.expectedColumns}`,
        },
      ]);
    }
    const issues: TripCsvIssue[] = [];
    const values: Record<string, string | number> = {};
    for (const [fieldIndex, name] of TRIP_FIELDS.entries()) {
      const position = this.positions[fieldIndex] ?? fieldIndex;
      const text = cells[position] ?? '';
      const problem = (message: string): void => {
        issues.push({ column: position + 1, columnName: columnName(fieldIndex), value: text, message });
      };
      if (text === '') {
        problem('is empty');
        continue;
      }
      const kind = KINDS[name];
      if (kind === 'string') {
        values[name] = text;
      } else if (kind === 'int') {
        if (INTEGER.test(text)) values[name] = Number(text);
        else problem('is not an integer');
      } else if (kind === 'double') {
        if (DECIMAL.test(text)) values[name] = Number(text);
        else problem('is not a number');
      } else {
        const epoch = parseCsvDate(text, this.timeZone);
        if (typeof epoch === 'string') problem(epoch);
        else values[name] = epoch;
      }
    }

    const pickup = values.pickupDate;
    if (this.rebaseTo !== undefined && this.offset === undefined && typeof pickup === 'number') {
      this.offset = this.rebaseTo - pickup;
    }
    if (issues.length > 0) return this.fail(line, issues);

    const shift = this.offset ?? 0;
    values.pickupDate = formatTimestamp((values.pickupDate as number) + shift);
    values.dropoffDate = formatTimestamp((values.dropoffDate as number) + shift);
    if (!this.check) return { ok: true, line, record: values as unknown as Trip };

    const result = validate(tripSchema, values);
    if (result.issues === undefined) return { ok: true, line, record: result.value };
    return this.fail(
      line,
      result.issues.map((issue) => {
        const key = issue.path?.[0];
        const fieldIndex = TRIP_FIELDS.indexOf(key as FieldName);
        const position = this.positions[fieldIndex] ?? fieldIndex;
        return {
          column: position + 1,
          columnName: columnName(fieldIndex),
          value: cells[position] ?? '',
          message: issue.message.replace(`${String(key)}: `, ''),
        };
      }),
    );
  }
}

async function* results(input: TripCsvInput, reader: RowReader): AsyncGenerator<TripCsvResult> {
  for await (const lines of lineBatches(input)) {
    const parsed = parseBatch(lines);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as Line;
      const result = reader.read(line.number, parsed[i] as string[] | CsvError, line.text);
      if (result !== undefined) yield result;
    }
  }
}

/**
 * Reads the workshop CSV as a stream of results, one per data row in file order: `{ ok: true, line, record }` or
 * `{ ok: false, line, error }` for a malformed row (the rest of the file is still read). Throws `TripCsvError` only
 * for a bad header. Memory stays bounded: the input is read in chunks and parsed in batches of 1,000 lines.
 */
export function parseTripCsv(input: TripCsvInput, options: TripCsvOptions = {}): AsyncGenerator<TripCsvResult> {
  return results(input, new RowReader(options));
}

/** `parseTripCsv` over a file. */
export function parseTripCsvFile(path: string, options: TripCsvOptions = {}): AsyncGenerator<TripCsvResult> {
  return fileResults(path, new RowReader(options));
}

/** Opens the file only when reading starts; an early `return()` from the consumer closes it. */
async function* fileResults(path: string, reader: RowReader): AsyncGenerator<TripCsvResult> {
  yield* results(createReadStream(path), reader);
}

export interface ReadTripsOptions extends TripCsvOptions {
  /**
   * What a malformed row does: `throw` (default) stops with its `TripCsvRowError`; `skip` drops it; a function
   * receives the error and the row is dropped.
   */
  readonly onError?: 'throw' | 'skip' | ((error: TripCsvRowError) => void);
}

async function* records(source: AsyncGenerator<TripCsvResult>, options: ReadTripsOptions): AsyncGenerator<Trip> {
  const onError = options.onError ?? 'throw';
  for await (const result of source) {
    if (result.ok) yield result.record;
    else if (onError === 'throw') throw result.error;
    else if (onError !== 'skip') onError(result.error);
  }
}

/** Reads trips from the workshop CSV; malformed rows are handled by `onError` (default: throw). */
export function readTripCsv(input: TripCsvInput, options: ReadTripsOptions = {}): AsyncGenerator<Trip> {
  return records(parseTripCsv(input, options), options);
}

/** `readTripCsv` over a file. */
export function readTripCsvFile(path: string, options: ReadTripsOptions = {}): AsyncGenerator<Trip> {
  return records(parseTripCsvFile(path, options), options);
}
