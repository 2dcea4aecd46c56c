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
  private lastIndex = '';
  private lastIndexJson = '""';

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
    if (index !== this.lastIndex) {
      this.lastIndex = index;
      this.lastIndexJson = JSON.stringify(index);
    }
    let meta = `"_index":${this.lastIndexJson}`;
    if (id !== undefined) meta += `,"_id":${JSON.stringify(id)}`;
    const routing = o.routing?.(document);
    if (routing !== undefined) meta += `,"routing":${JSON.stringify(routing)}`;
    let version: number | undefined;
    if (o.version !== undefined && action === 'index') {
      version = o.version(document);
      if (!Number.isSafeInteger(version) || version < 0) {
        throw new Error(`version must be a non-negative safe integer, got ${String(version)}`);
      }
      meta += `,"version":${version},"version_type":"external"`;
    }
    const head = `{"${action === 'upsert' ? 'update' : action}":{${meta}}}\n`;
    let lines = head;
    if (action !== 'delete') {
      const source = o.serialize(document);
      if (typeof source !== 'string' || source.length === 0) throw new Error('serialize must return a JSON string');
      if (o.customSerializer && source.includes('\n')) throw new Error('the serialized document contains a newline');
      if (action === 'index' || action === 'create') lines += `${source}\n`;
      else if (action === 'update') lines += `{"doc":${source}}\n`;
      else lines += `{"doc":${source},"doc_as_upsert":true}\n`;
    }
    return {
      seq,
      position,
      document,
      index,
      id,
      action,
      version,
      routing,
      lines,
      sourceAt: head.length,
      bytes: Buffer.byteLength(lines),
      replaceable: action === 'index' || action === 'create' || action === 'delete',
      state: 'admission',
      admitted: false,
      waiting: undefined,
      attempts: 0,
      spent: 0,
      firstSentAt: 0,
      lastError: undefined,
      maybeApplied: false,
      settle,
    };
  }
}

function checkAction(action: BulkAction, id: string | undefined): void {
  if (action !== 'index' && action !== 'create' && action !== 'update' && action !== 'upsert' && action !== 'delete') {
    throw new Error(`action must be index, create, update, upsert or delete, got ${String(action)}`);
  }
  if (id === undefined && (action === 'update' || action === 'upsert' || action === 'delete')) {
    throw new Error(`the ${action} action needs a document id`);
  }
}
