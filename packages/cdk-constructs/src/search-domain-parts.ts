/**
 * Parts of the search domain: the master-user secret, the three log groups with a native logs resource policy (no
 * custom resource), the access policy set on the domain itself (no custom resource) and the cdk-nag acknowledgments
 * of the opt-in choices (masters, zones, VPC, unsigned basic auth).
 */
import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.js';
import { asInterface } from './types.js';

/** Read, write and admin HTTP methods of the OpenSearch API (no `es:ESHttp*` wildcard). */
export const ES_HTTP_ACTIONS = [
  'es:ESHttpGet',
  'es:ESHttpHead',
  'es:ESHttpPost',
  'es:ESHttpPut',
  'es:ESHttpPatch',
  'es:ESHttpDelete',
];

/** `{"username": <name>, "password": <32 generated characters>}`. */
export function masterUserSecret(scope: Construct, domainName: string, userName: string): secretsmanager.ISecret {
  const secret = new secretsmanager.Secret(scope, 'MasterUser', {
    description: `Fine-grained access control master user of OpenSearch domain ${domainName}`,
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ username: userName }),
      generateStringKey: 'password',
      passwordLength: 32,
      requireEachIncludedType: true,
      excludeCharacters: '"\'\\/@:;`{}$ ',
    },
  });
  acknowledge(
    secret,
    'AwsSolutions-SMG4',
    'The FGAC master password is set on the domain at creation; rotating it needs a rotation Lambda that also updates the domain, not provided here.',
  );
  return asInterface<secretsmanager.ISecret>(secret);
}

export interface DomainLogGroups {
  readonly slowSearch: logs.LogGroup;
  readonly slowIndex: logs.LogGroup;
  readonly app: logs.LogGroup;
  readonly policy: logs.ResourcePolicy;
}

export function domainLogGroups(scope: Construct, retention: logs.RetentionDays): DomainLogGroups {
  const group = (name: string) => new logs.LogGroup(scope, name, { retention, removalPolicy: RemovalPolicy.DESTROY });
  const slowSearch = group('SlowSearchLogs');
  const slowIndex = group('SlowIndexLogs');
  const app = group('AppLogs');
  const policy = new logs.ResourcePolicy(scope, 'LogsResourcePolicy', {
    policyStatements: [
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        principals: [new iam.ServicePrincipal('es.amazonaws.com')],
        resources: [slowSearch.logGroupArn, slowIndex.logGroupArn, app.logGroupArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    ],
  });
  return { slowSearch, slowIndex, app, policy };
}

/** This account's principals, signed; plus anyone unsigned (FGAC authenticates) when `unsigned`. */
export function accessPolicyDocument(scope: Construct, domainName: string, unsigned: boolean): unknown {
  const domainResource = Stack.of(scope).formatArn({
    service: 'es',
    resource: 'domain',
    resourceName: `${domainName}/*`,
  });
  const statements = [
    new iam.PolicyStatement({
      sid: 'Account',
      actions: ES_HTTP_ACTIONS,
      principals: [new iam.AccountRootPrincipal()],
      resources: [domainResource],
    }),
  ];
  if (unsigned) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'FineGrainedAccessControl',
        actions: ES_HTTP_ACTIONS,
        principals: [new iam.AnyPrincipal()],
        resources: [domainResource],
      }),
    );
  }
  return new iam.PolicyDocument({ statements }).toJSON();
}

export function acknowledgeDomainChoices(
  domain: opensearch.Domain,
  choices: { masters: number; availabilityZones: number; vpc: boolean; unsigned: boolean },
): void {
  if (choices.unsigned) {
    acknowledge(
      domain,
      'AwsSolutions-OS5',
      'allowUnsignedBasicAuth: unsigned requests reach the domain and fine-grained access control authenticates each one (basic auth, internal users); needed by clients that cannot sign (Flink OpenSearch SQL connector).',
    );
  }
  if (choices.masters === 0) {
    acknowledge(
      domain,
      'AwsSolutions-OS4',
      'Dedicated master nodes are opt-in (masterNodes): a small pipeline domain runs without them.',
    );
  }
  if (choices.availabilityZones === 1) {
    acknowledge(
      domain,
      'AwsSolutions-OS7',
      'Zone awareness is opt-in (availabilityZones): one AZ keeps a demo domain cheap.',
    );
  }
  if (!choices.vpc) {
    acknowledge(
      domain,
      'AwsSolutions-OS1',
      'Public endpoint by default (vpc is optional): HTTPS only, account-scoped access policy, FGAC.',
    );
    acknowledge(
      domain,
      'AwsSolutions-OS3',
      'No IP allow-list: access is restricted by the access policy and fine-grained access control.',
    );
  }
}
