/**
 * The Firehose delivery role's own least-privilege policy (the L2's `grantReadWrite` would add `s3:DeleteObject*`):
 * read the source stream, invoke the transform, read the Glue table, write objects under the two prefixes, log to
 * one log stream.
 */

import { Aws, Stack } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge, nagFlatten } from './nag.js';

export interface DeliveryPolicyInputs {
  readonly stream: kinesis.IStream;
  readonly bucket: s3.IBucket;
  /** The data and error prefixes: objects are writable below their static part only. */
  readonly prefixes: readonly string[];
  readonly table: glue.S3Table;
  readonly database: glue.IDatabase;
  readonly transform: lambda.IFunction | undefined;
  readonly logStreamArn: string;
}

/** The part of a prefix before its first `!{...}` expression. */
export function staticPrefix(prefix: string): string {
  const at = prefix.indexOf('!{');
  return at < 0 ? prefix : prefix.slice(0, at);
}

export function deliveryPolicyStatements(scope: Construct, inputs: DeliveryPolicyInputs): iam.PolicyStatement[] {
  const objectArns = [...new Set(inputs.prefixes.map(staticPrefix))].map((p) => inputs.bucket.arnForObjects(`${p}*`));
  for (const arn of objectArns) {
    acknowledge(
      scope,
      `AwsSolutions-IAM5[Resource::${nagFlatten(scope, arn)}]`,
      'Firehose names the objects it writes (time, random suffix): PutObject needs the prefix with a wildcard; no s3:DeleteObject*.',
    );
  }
  const stack = Stack.of(scope);
  return [
    new iam.PolicyStatement({
      sid: 'ReadSourceStream',
      actions: [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetShardIterator',
        'kinesis:GetRecords',
        'kinesis:ListShards',
      ],
      resources: [inputs.stream.streamArn],
    }),
    new iam.PolicyStatement({
      sid: 'ListBucket',
      actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      resources: [inputs.bucket.bucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'WritePrefixes',
      actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
      resources: objectArns,
    }),
    new iam.PolicyStatement({
      sid: 'ReadGlueTable',
      actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      resources: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        inputs.database.databaseArn,
        inputs.table.tableArn,
      ],
    }),
    ...(inputs.transform
      ? [
          new iam.PolicyStatement({
            sid: 'InvokeTransform',
            actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
            resources: [inputs.transform.functionArn],
          }),
        ]
      : []),
    new iam.PolicyStatement({ sid: 'WriteErrorLog', actions: ['logs:PutLogEvents'], resources: [inputs.logStreamArn] }),
  ];
}

/** The delivery role (assumable by Firehose of this account only) with the policy above attached. */
export function deliveryRole(scope: Construct, inputs: DeliveryPolicyInputs): { role: iam.Role; policy: iam.Policy } {
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    description: 'Firehose delivery role: reads the stream, invokes the transform, writes the prefixes only',
  });
  const policy = new iam.Policy(scope, 'RolePolicy', { statements: deliveryPolicyStatements(scope, inputs) });
  policy.attachToRole(role);
  return { role, policy };
}
