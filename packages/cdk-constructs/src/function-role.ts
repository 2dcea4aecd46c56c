/**
 * Lambda execution roles without the AWS managed `AWSLambdaBasicExecutionRole`: the function's own log group, and
 * `logs:CreateLogStream` / `logs:PutLogEvents` on that log group only.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface FunctionRole {
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/** A role Lambda can assume and a log group it may write to (retention default one month). */
export function functionRole(
  scope: Construct,
  id: string,
  options: { retention?: logs.RetentionDays; removalPolicy?: RemovalPolicy } = {},
): FunctionRole {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: options.retention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: options.removalPolicy ?? RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Lambda execution role: writes to its own log group only',
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return { role, logGroup };
}
