/**
 * A Lambda bundled from a TypeScript entry with the local esbuild (no Docker, no package-manager shell-out) on the
 * Node.js 22 runtime, ARM64, its own log group and a role that may only write there. Workspace packages are bundled
 * from their sources (`@pipeline/source` export condition) unless `conditions` says otherwise.
 */
import path from 'node:path';
import { AssetHashType, DockerImage, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { functionRole } from './function-role.js';
import { acknowledge, NODE22_REASON } from './nag.js';
import { checkInteger } from './validation.js';

export interface TransformFunctionProps {
  /** TypeScript or JavaScript file exporting the handler. */
  readonly entry: string;
  /** Exported handler name. Default `handler`. */
  readonly handler?: string;
  /** MiB, 128–10,240. Default 256. */
  readonly memorySize?: number;
  /** Default 1 minute (1 s – 15 min; Firehose waits at most 5 minutes per invocation). */
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
  /** esbuild export conditions. Default `['@pipeline/source']` (bundle workspace packages from source). */
  readonly conditions?: readonly string[];
  /** Modules left out of the bundle. Default `['@aws-sdk/*']` (the Node.js 22 runtime provides SDK v3). */
  readonly externalModules?: readonly string[];
  /** Log retention. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Reserved concurrency. Default none. */
  readonly reservedConcurrentExecutions?: number;
}

/** The Lambda runtime every function of this package runs on. */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Bundles `entry` into `outdir/index.js` (CommonJS, node22, with a source map). */
export function bundleHandler(
  entry: string,
  outdir: string,
  options: { conditions?: readonly string[]; externalModules?: readonly string[] } = {},
): void {
  buildSync({
    entryPoints: [entry],
    outfile: path.join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    sourcemap: true,
    conditions: [...(options.conditions ?? ['@pipeline/source'])],
    mainFields: ['module', 'main'],
    external: [...(options.externalModules ?? ['@aws-sdk/*'])],
    logLevel: 'error',
  });
}

export function transformFunction(scope: Construct, id: string, props: TransformFunctionProps): lambda.Function {
  checkInteger(`${id}.memorySize`, props.memorySize, 128, 10_240);
  checkInteger(`${id}.timeout (seconds)`, props.timeout?.toSeconds(), 1, 900);
  const entry = path.resolve(props.entry);
  const { role, logGroup } = functionRole(scope, id, props.logRetention ? { retention: props.logRetention } : {});
  const code = lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'),
      local: {
        tryBundle(outputDir) {
          bundleHandler(entry, outputDir, {
            ...(props.conditions ? { conditions: props.conditions } : {}),
            ...(props.externalModules ? { externalModules: props.externalModules } : {}),
          });
          return true;
        },
      },
    },
  });
  const fn = new lambda.Function(scope, id, {
    code,
    handler: `index.${props.handler ?? 'handler'}`,
    runtime: LAMBDA_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.minutes(1),
    role,
    logGroup,
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    ...(props.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
  });
  acknowledge(fn, 'AwsSolutions-L1', NODE22_REASON);
  return fn;
}
