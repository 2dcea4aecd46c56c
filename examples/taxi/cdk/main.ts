// The CDK app entry (cdk.json): `pnpm --filter @pipeline/example-taxi synth`, `cdk deploy`, `cdk destroy`.
import { buildTaxiApp } from './app.js';

const { app } = await buildTaxiApp();
app.synth();
