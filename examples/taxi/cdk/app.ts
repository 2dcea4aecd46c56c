/** Builds the taxi CDK app: packages the application jar, then the stack. Used by main.ts and the tests. */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ANALYTICS_SCRIPT, analyticsSql } from './analytics-sql.js';
import { applicationJar } from './runner-jar.js';
import { TaxiPipelineStack } from './taxi-stack.js';

export const STACK_NAME = 'PipelineTaxi';

export interface BuildTaxiAppOptions extends AppProps {
  /** Register cdk-nag AwsSolutionsChecks as a validation plugin (synth fails on a finding). Default true. */
  readonly nag?: boolean;
}

export async function buildTaxiApp(options: BuildTaxiAppOptions = {}): Promise<{ app: App; stack: TaxiPipelineStack }> {
  const { nag = true, ...props } = options;
  const app = new App(props);
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const jar = await applicationJar({ [ANALYTICS_SCRIPT]: analyticsSql.sql });
  const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const budget = context('monthlyBudgetUsd');
  const email = context('alarmEmail');
  const stack = new TaxiPipelineStack(app, STACK_NAME, {
    description: 'NYC taxi streaming pipeline (@pipeline): Kinesis, Firehose to Parquet, Managed Flink SQL, OpenSearch',
    // Environment-agnostic unless the CLI knows an account (no lookups: synth needs no credentials).
    ...(account && region ? { env: { account, region } } : {}),
    applicationJar: jar,
    startFlink: context('startFlink') === 'true',
    ...(email ? { alarmEmail: email } : {}),
    ...(budget ? { monthlyBudgetUsd: Number(budget) } : {}),
  });
  return { app, stack };
}
