/** Writes dashboard/taxi-dashboard.ndjson, the saved objects for OpenSearch Dashboards (`pnpm run dashboard:export`). */
import fs from 'node:fs';
import { savedObjectsNdjson } from '../src/dashboard/saved-objects.js';

const out = new URL('../dashboard/taxi-dashboard.ndjson', import.meta.url);
fs.writeFileSync(out, savedObjectsNdjson());
process.stdout.write(`wrote ${out.pathname}\n`);
