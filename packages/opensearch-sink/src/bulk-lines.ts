import type { Item } from './item.js';
import type { ResolvedOptions } from './options.js';
import type { WriteOutcome } from './outcomes.js';
import type { BulkAction } from './types.js';

/** Per-write overrides of the sink's functions. */
export interface WriteOptions {
  /** Document id for this write (`null`: none, let OpenSearch generate one). Default: the sink's `id` function. */
  id?: string | null;
  /** Target index for this write. Default: the sink's `index`. */
  index?: string;
}

const MAX_ID_BYTES = 512;

/**
 * Turns a document into its `_bulk` action and source lines, once: the item carries the finished NDJSON and its
 * byte length, so batching and retries never serialize again. Throws an `Error` saying what is wrong with the
 * document (the sink dead-letters it as `invalid-document`).
 */
export class BulkLines<T> {
  /** `{"<op>":{"_index":<index>` for the last action and index used, and its byte length. */
  private prefixOp = '';
  private prefixIndex = '';
  private prefix = '';
  private prefixBytes = 0;

  constructor(private readonly options: ResolvedOptions<T>) {}

  encode(
    seq: number,
    position: number,
    document: T,
    writeOptions: WriteOptions | undefined,
    settle: (outcome: WriteOutcome<T>) => void,
  ): Item<T> {
    const o = this.options;
    const index = writeOptions?.index ?? o.index(document);
    if (typeof index !== 'string' || index.length === 0) throw new Error('index must be a non-empty string');
    const idOption = writeOptions?.id;
    const id = idOption === null ? undefined : (idOption ?? o.id?.(document));
    if (
      id !== undefined &&
      (typeof id !== 'string' ||
        id.length === 0 ||
        (id.length * 3 > MAX_ID_BYTES && Buffer.byteLength(id) > MAX_ID_BYTES))
    ) {
      throw new Error(`id must be a non-empty string of at most ${MAX_ID_BYTES} bytes, got ${String(id)}`);
    }
    const action = o.action(document);
    checkAction(action, id);
    const op = action === 'upsert' ? 'update' : action;
    if (this.prefixOp !== op || this.prefixIndex !== index) {
      this.prefixOp = op;
      this.prefixIndex = index;
      this.prefix = `{"${op}":{"_index":${JSON.stringify(index)}`;
      this.prefixBytes = Buffer.byteLength(this.prefix);
    }
    // Byte lengths are summed from flat parts: no concatenation is built, retained or flattened per document.
    let bytes = this.prefixBytes + 3; // + `}}\n`
    let idJson = '';
    if (id !== undefined) {
      idJson = JSON.stringify(id);
      bytes += ID_KEY.length + Buffer.byteLength(idJson);
    }
    const routing = o.routing?.(document);
    let version: number | undefined;
    let meta = '';
    if (routing !== undefined || o.version !== undefined) {
      if (routing !== undefined) meta += `,"routing":${JSON.stringify(routing)}`;
      if (o.version !== undefined && action === 'index') {
        version = o.version(document);
        if (!Number.isSafeInteger(version) || version < 0) {
          throw new Error(`version must be a non-negative safe integer, got ${String(version)}`);
        }
        meta += `,"version":${version},"version_type":"external"`;
      }
      bytes += Buffer.byteLength(meta);
    }
    let source = '';
    if (action !== 'delete') {
      source = o.serialize(document);
      if (typeof source !== 'string' || source.length === 0) throw new Error('serialize must return a JSON string');
      if (o.customSerializer && source.includes('\n')) throw new Error('the serialized document contains a newline');
      bytes += Buffer.byteLength(source) + 1 + (WRAPPER_BYTES[action] ?? 0);
    }
    return newItem(
      seq,
      position,
      document,
      settle,
      index,
      id,
      action,
      version,
      routing,
      this.prefix,
      idJson,
      meta,
      source,
      bytes,
    );
  }
}

/** A document that never entered the pipeline (closed, aborted, invalid): it only carries what its ending needs. */
export function looseItem<T>(
  seq: number,
  position: number,
  document: T,
  settle: (outcome: WriteOutcome<T>) => void,
): Item<T> {
  const item = newItem(
    seq,
    position,
    document,
    settle,
    '',
    undefined,
    'index',
    undefined,
    undefined,
    '',
    '',
    '',
    '',
    0,
  );
  item.state = 'ending';
  return item;
}

function newItem<T>(
  seq: number,
  position: number,
  document: T,
  settle: (outcome: WriteOutcome<T>) => void,
  index: string,
  id: string | undefined,
  action: BulkAction,
  version: number | undefined,
  routing: string | undefined,
  prefix: string,
  idJson: string,
  meta: string,
  source: string,
  bytes: number,
): Item<T> {
  return {
    seq,
    position,
    document,
    index,
    id,
    action,
    version,
    routing,
    prefix,
    idJson,
    meta,
    source,
    bytes,
    replaceable: action === 'index' || action === 'create' || action === 'delete',
    state: 'admission',
    admitted: false,
    current: false,
    waiting: undefined,
    attempts: 0,
    spent: 0,
    firstSentAt: 0,
    lastError: undefined,
    maybeApplied: false,
    settle,
  };
}

/** Bytes of `,"_id":`, and of the `{"doc":…}` wrappers of partial updates. */
const ID_KEY = ',"_id":';
const WRAPPER_BYTES: Partial<Record<BulkAction, number>> = {
  update: '{"doc":}'.length,
  upsert: '{"doc":,"doc_as_upsert":true}'.length,
};

/** The document's two lines appended to a request body under construction. */
export function appendLines<T>(body: string, item: Item<T>): string {
  let out = body + item.prefix;
  if (item.idJson !== '') out += ID_KEY + item.idJson;
  if (item.meta !== '') out += item.meta;
  out += '}}\n';
  if (item.action === 'delete') return out;
  if (item.action === 'update') return `${out}{"doc":${item.source}}\n`;
  if (item.action === 'upsert') return `${out}{"doc":${item.source},"doc_as_upsert":true}\n`;
  return `${out}${item.source}\n`;
}

function checkAction(action: BulkAction, id: string | undefined): void {
  if (action !== 'index' && action !== 'create' && action !== 'update' && action !== 'upsert' && action !== 'delete') {
    throw new Error(`action must be index, create, update, upsert or delete, got ${String(action)}`);
  }
  if (id === undefined && (action === 'update' || action === 'upsert' || action === 'delete')) {
    throw new Error(`the ${action} action needs a document id`);
  }
}
