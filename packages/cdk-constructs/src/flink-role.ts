/**
 * The Managed Flink application's role (its jar object, its log group and stream; streams and secrets are granted by
 * the construct) and its `FlinkApplicationConfiguration` with every setting explicit (`ConfigurationType: CUSTOM`:
 * the service's defaults emit nothing, and cdk-nag KDA3 wants checkpointing configured).
 */
import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kda from 'aws-cdk-lib/aws-kinesisanalyticsv2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { acknowledge, nagFlatten } from './nag.js';

export function applicationRole(
  scope: Construct,
  inputs: { jar: assets.Asset; logGroup: logs.LogGroup; logStreamArn: string },
): { role: iam.Role; policy: iam.Policy } {
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('kinesisanalytics.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    description: 'Managed Flink application role: its jar, its source streams, its secrets, its log stream',
  });
  const allLogGroups = Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const policy = new iam.Policy(scope, 'RolePolicy', {
    statements: [
      new iam.PolicyStatement({
        sid: 'ReadApplicationJar',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [inputs.jar.bucket.arnForObjects(inputs.jar.s3ObjectKey)],
      }),
      new iam.PolicyStatement({
        sid: 'DescribeLogGroups',
        actions: ['logs:DescribeLogGroups'],
        resources: [allLogGroups],
      }),
      new iam.PolicyStatement({
        sid: 'DescribeLogStreams',
        actions: ['logs:DescribeLogStreams'],
        resources: [inputs.logGroup.logGroupArn],
      }),
      new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:PutLogEvents'], resources: [inputs.logStreamArn] }),
    ],
  });
  policy.attachToRole(role);
  acknowledge(
    policy,
    `AwsSolutions-IAM5[Resource::${nagFlatten(scope, allLogGroups)}]`,
    'logs:DescribeLogGroups has no resource-level scoping below log-group:*; Managed Flink calls it to check its logging option.',
  );
  return { role, policy };
}

export interface FlinkSettings {
  readonly checkpointIntervalMs: number;
  readonly minPauseBetweenCheckpointsMs: number;
  readonly logLevel: string;
  readonly metricsLevel: string;
  readonly parallelism: number;
  readonly parallelismPerKpu: number;
  readonly autoScaling: boolean;
}

export function flinkConfiguration(settings: FlinkSettings): kda.CfnApplication.FlinkApplicationConfigurationProperty {
  return {
    checkpointConfiguration: {
      configurationType: 'CUSTOM',
      checkpointingEnabled: true,
      checkpointInterval: settings.checkpointIntervalMs,
      minPauseBetweenCheckpoints: settings.minPauseBetweenCheckpointsMs,
    },
    monitoringConfiguration: {
      configurationType: 'CUSTOM',
      logLevel: settings.logLevel,
      metricsLevel: settings.metricsLevel,
    },
    parallelismConfiguration: {
      configurationType: 'CUSTOM',
      parallelism: settings.parallelism,
      parallelismPerKpu: settings.parallelismPerKpu,
      autoScalingEnabled: settings.autoScaling,
    },
  };
}
