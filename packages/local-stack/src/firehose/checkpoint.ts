import fs from 'node:fs';
import path from 'node:path';

/** Where one shard was read up to. */
export interface ShardCheckpoint {
  sequenceNumber?: string;
  closed?: boolean;
}

/** Which stream a checkpoint belongs to: a stream re-created under the same name is another stream. */
export interface StreamIdentity {
  streamName: string;
  streamArn: string;
  /** `StreamCreationTimestamp` of DescribeStreamSummary, epoch seconds. */
  creationTimestamp: number;
}

export interface CheckpointFile {
  version: 2;
  streamName: string;
  streamArn: string;
  streamCreationTimestamp: number;
  shards: Record<string, ShardCheckpoint>;
}

/** A checkpoint file written for another stream (or another incarnation of the same name). */
export class CheckpointMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly recorded: string,
    readonly current: string,
  ) {
    super(
      `checkpoint ${file} belongs to stream ${recorded}, but the delivery reads ${current}: positions of one ` +
        'stream are meaningless in another. Delete the checkpoint file (or use a new one) to read the stream from ' +
        'its start.',
    );
    this.name = 'CheckpointMismatchError';
  }
}

function describe(streamName: string, arn: string | undefined, created: number | undefined): string {
  const when = created === undefined ? 'unknown creation time' : `created ${new Date(created * 1000).toISOString()}`;
  return `${streamName} (${arn ?? 'no ARN recorded'}, ${when})`;
}

/** The checkpoint in `file` for this stream, or an empty one; throws {@link CheckpointMismatchError} on another's. */
export function readCheckpoint(file: string | undefined, stream: StreamIdentity): CheckpointFile {
  const empty: CheckpointFile = {
    version: 2,
    streamName: stream.streamName,
    streamArn: stream.streamArn,
    streamCreationTimestamp: stream.creationTimestamp,
    shards: {},
  };
  if (file === undefined || !fs.existsSync(file)) return empty;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CheckpointFile> & { version?: number };
  const same =
    parsed.streamName === stream.streamName &&
    parsed.streamArn === stream.streamArn &&
    parsed.streamCreationTimestamp === stream.creationTimestamp;
  if (!same) {
    throw new CheckpointMismatchError(
      file,
      describe(String(parsed.streamName), parsed.streamArn, parsed.streamCreationTimestamp),
      describe(stream.streamName, stream.streamArn, stream.creationTimestamp),
    );
  }
  return { ...empty, shards: parsed.shards ?? {} };
}

/** Writes `content` to a temporary file next to `file` and renames it over `file`. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

export function writeCheckpoint(file: string, checkpoint: CheckpointFile): void {
  writeFileAtomic(file, `${JSON.stringify(checkpoint, null, 2)}\n`);
}
