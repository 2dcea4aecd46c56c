import { makeRecords, producerRun } from './encode.js';

/** Profiling aid: the producer's encode path alone (`node --cpu-prof --import tsx bench/profile-encode.ts 100`). */
const size = Number(process.argv[2] ?? 100);
const records = makeRecords(300_000, size);
for (let run = 0; run < 3; run++) {
  const seconds = await producerRun(records);
  console.log(`${size} B: ${Math.round(records.length / seconds).toLocaleString('en-US')} rec/s`);
}
