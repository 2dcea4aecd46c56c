/**
 * The opt-in start of a Managed Flink application when its stack is created: CloudFormation creates applications
 * stopped and has no run configuration. One `StartApplication` call (fresh application: no snapshot to restore),
 * allowed on this application's ARN only.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct, IConstruct } from 'constructs';
import { acknowledge } from './nag.js';

export function startApplicationOnCreate(
  scope: Construct,
  id: string,
  options: { applicationName: string; applicationArn: string; after: readonly IConstruct[] },
): cr.AwsCustomResource {
  const start = new cr.AwsCustomResource(scope, id, {
    installLatestAwsSdk: false,
    onCreate: {
      service: 'KinesisAnalyticsV2',
      action: 'startApplication',
      parameters: {
        ApplicationName: options.applicationName,
        RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' } },
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${options.applicationName}-start`),
    },
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: ['kinesisanalytics:StartApplication'], resources: [options.applicationArn] }),
    ]),
  });
  for (const dep of options.after) start.node.addDependency(dep);
  // The provider is a stack-level singleton: AWS<uuid without dashes>.
  const singleton = Stack.of(scope).node.tryFindChild(
    `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
  );
  if (singleton) {
    acknowledge(
      singleton,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The aws-cdk-lib AwsCustomResource provider Lambda (one per stack) is created with the basic execution role.',
    );
    acknowledge(
      singleton,
      'AwsSolutions-L1',
      'The aws-cdk-lib AwsCustomResource provider picks its own Node.js runtime.',
    );
  }
  return start;
}
