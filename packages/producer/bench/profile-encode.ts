import { KinesisProducer } from '../src/index.js';
import { lightweightClient, makeRecords } from './encode.js';

/** Profiling aid: the producer's encode path alone (`node --cpu-prof --import tsx bench/profile-encode.ts 100`). */
const size = Number(process.argv[2] ?? 100);
const records = makeRecords(300_000, size);
for (let run = 0; run < 3; run++) {
  const producer = new KinesisProducer({
    streamName: 'bench',
    client: lightweightClient(),
    rateLimit: 10_000,
    metricsInterval: 0,
  });
  await producer.put({ partitionKey: 'warm-up', data: 'x' });
  const started = process.hrtime.bigint();
  for await (const outcome of producer.putAll(records)) if (!outcome.ok) throw outcome.error;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await producer.close();
  const m = producer.metrics();
  console.log(
    `${size} B: ${Math.round(records.length / seconds).toLocaleString('en-US')} rec/s, ${m.PutRecordsRequests} requests, ${m.UserRecordsPerKinesisRecord.mean.toFixed(0)} per KR, ${m.KinesisRecordsPerPutRecordsRequest.mean.toFixed(1)} KR per request`,
  );
}
