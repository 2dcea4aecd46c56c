import { isUtf8 } from 'node:buffer';
import { RecordDecodeError } from './errors.js';
import {
  type FirehoseTransformEventRecord,
  type KinesisRecordMetadata,
  normalizeKinesisMetadata,
  toEpochMillis,
} from './event.js';

/**
 * One record of the batch, decoded lazily: nothing is decoded until an accessor is read, and each accessor decodes
 * once. An accessor that cannot read the data throws `RecordDecodeError`; inside the transform function that fails
 * only this record, with the error's message as the reason.
 */
export interface FirehoseRecord<T = unknown> {
  readonly recordId: string;
  /** Position in the batch, from 0. */
  readonly index: number;
  /** When Firehose received the record, epoch ms (`NaN` if Firehose sent something unparseable). */
  readonly approximateArrivalTimestamp: number;
  /** Set when the delivery stream's source is a Kinesis stream. */
  readonly kinesisRecordMetadata: KinesisRecordMetadata | undefined;
  /** The data exactly as Firehose sent it (base64). */
  readonly base64: string;
  /** The decoded bytes (a `Buffer`). */
  readonly bytes: Uint8Array;
  /** The bytes as UTF-8 text; throws `RecordDecodeError` (`NotUtf8`) when they are not valid UTF-8. */
  readonly text: string;
  /** The text parsed as JSON; throws `RecordDecodeError` (`InvalidJson`) when it is not JSON. */
  readonly json: unknown;
  /**
   * The record the `validate` option produced (typed by the validator) — validation ran before the transform
   * function, so a record that reaches it is valid. Without a validator, the same as `json`.
   */
  readonly value: T;
}

const UNSET: unique symbol = Symbol('unset');

export class DecodedRecord<T = unknown> implements FirehoseRecord<T> {
  readonly recordId: string;
  readonly index: number;
  readonly #raw: FirehoseTransformEventRecord;
  #bytes: Buffer | undefined;
  #text: string | undefined;
  #json: unknown = UNSET;
  #value: unknown = UNSET;
  #metadata: KinesisRecordMetadata | undefined | typeof UNSET = UNSET;

  constructor(raw: FirehoseTransformEventRecord, index: number) {
    this.#raw = raw;
    this.recordId = raw.recordId;
    this.index = index;
  }

  get approximateArrivalTimestamp(): number {
    return toEpochMillis(this.#raw.approximateArrivalTimestamp);
  }

  get kinesisRecordMetadata(): KinesisRecordMetadata | undefined {
    if (this.#metadata === UNSET) {
      const metadata = this.#raw.kinesisRecordMetadata;
      this.#metadata =
        metadata === undefined || metadata === null ? undefined : Object.freeze(normalizeKinesisMetadata(metadata));
    }
    return this.#metadata;
  }

  get base64(): string {
    const data: unknown = this.#raw.data;
    if (typeof data !== 'string') {
      throw new RecordDecodeError(
        'MissingData',
        this.recordId,
        `record has no base64 data (got ${data === null ? 'null' : typeof data})`,
      );
    }
    return data;
  }

  get bytes(): Buffer {
    if (this.#bytes === undefined) this.#bytes = Buffer.from(this.base64, 'base64');
    return this.#bytes;
  }

  get text(): string {
    if (this.#text === undefined) {
      const bytes = this.bytes;
      if (!isUtf8(bytes)) {
        throw new RecordDecodeError('NotUtf8', this.recordId, `data is not valid UTF-8 (${bytes.length} bytes)`);
      }
      this.#text = bytes.toString('utf8');
    }
    return this.#text;
  }

  get json(): unknown {
    if (this.#json === UNSET) {
      const text = this.text;
      try {
        this.#json = JSON.parse(text);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new RecordDecodeError('InvalidJson', this.recordId, `data is not valid JSON: ${detail}`, {
          cause: error,
        });
      }
    }
    return this.#json;
  }

  get value(): T {
    return (this.#value === UNSET ? this.json : this.#value) as T;
  }

  /** Sets what `value` returns (the validator's output). */
  setValue(value: unknown): void {
    this.#value = value;
  }
}
