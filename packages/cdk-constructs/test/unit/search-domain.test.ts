import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { SearchDomain } from '../../src/index.js';
import { testStack } from './helpers/stack.js';

describe('SearchDomain', () => {
  const { stack } = testStack();
  const search = new SearchDomain(stack, 'Search', { domainName: 'trips' });
  const template = Template.fromStack(stack);

  it('runs OpenSearch 2.19 on gp3 with HTTPS, TLS 1.2 PFS, node-to-node and at-rest encryption, FGAC and logs', () => {
    template.hasResourceProperties('AWS::OpenSearchService::Domain', {
      DomainName: 'trips',
      EngineVersion: 'OpenSearch_2.19',
      EBSOptions: { EBSEnabled: true, VolumeSize: 20, VolumeType: 'gp3' },
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' },
      NodeToNodeEncryptionOptions: { Enabled: true },
      EncryptionAtRestOptions: { Enabled: true },
      AdvancedSecurityOptions: Match.objectLike({
        Enabled: true,
        InternalUserDatabaseEnabled: true,
        MasterUserOptions: Match.objectLike({ MasterUserName: 'pipeline-admin' }),
      }),
      LogPublishingOptions: {
        SEARCH_SLOW_LOGS: Match.objectLike({ Enabled: true }),
        INDEX_SLOW_LOGS: Match.objectLike({ Enabled: true }),
        ES_APPLICATION_LOGS: Match.objectLike({ Enabled: true }),
      },
    });
    template.resourceCountIs('AWS::Logs::ResourcePolicy', 1);
    template.resourceCountIs('Custom::CloudwatchLogResourcePolicy', 0);
    template.resourceCountIs('Custom::OpenSearchAccessPolicy', 0);
  });

  it('keeps the master user in Secrets Manager', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'password',
        SecretStringTemplate: '{"username":"pipeline-admin"}',
      }),
    });
    expect(search.masterUserSecret.secretArn).toBeDefined();
  });

  it('allows signed requests of this account only, with explicit HTTP actions', () => {
    const domain = Object.values(template.findResources('AWS::OpenSearchService::Domain'))[0] as {
      Properties: { AccessPolicies: { Statement: Array<{ Principal: unknown; Action: string[] }> } };
    };
    const statements = domain.Properties.AccessPolicies.Statement;
    expect(statements).toHaveLength(1);
    expect(JSON.stringify(statements[0]?.Principal)).toContain(':root');
    expect(statements[0]?.Action).not.toContain('es:*');
    expect(statements[0]?.Action).toContain('es:ESHttpPost');
  });

  it('accepts unsigned basic auth only when asked', () => {
    const { stack: s } = testStack();
    new SearchDomain(s, 'Open', { domainName: 'open', allowUnsignedBasicAuth: true });
    const domain = Object.values(Template.fromStack(s).findResources('AWS::OpenSearchService::Domain'))[0] as {
      Properties: { AccessPolicies: { Statement: Array<{ Principal: unknown }> } };
    };
    expect(domain.Properties.AccessPolicies.Statement.map((st) => st.Principal)).toContainEqual({ AWS: '*' });
  });

  it('has the recommended alarms with their thresholds', () => {
    const expectAlarm = (MetricName: string, Threshold: number, EvaluationPeriods = 1) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ES',
        MetricName,
        Threshold,
        EvaluationPeriods,
      });
    expectAlarm('ClusterStatus.red', 1);
    expectAlarm('ClusterStatus.yellow', 1, 5);
    expectAlarm('FreeStorageSpace', 5120);
    expectAlarm('ClusterIndexWritesBlocked', 1);
    expectAlarm('AutomatedSnapshotFailure', 1);
    expectAlarm('CPUUtilization', 80, 3);
    expectAlarm('JVMMemoryPressure', 95, 3);
    expectAlarm('KMSKeyError', 1);
    expectAlarm('KMSKeyInaccessible', 1);
    expect(search.alarms).toHaveLength(9);
  });

  it('grants the master-user secret', () => {
    const { stack: s } = testStack();
    const d = new SearchDomain(s, 'D', { domainName: 'grants' });
    const role = new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    d.grantReadMasterUser(role);
    expect(JSON.stringify(Template.fromStack(s).findResources('AWS::IAM::Policy'))).toContain(
      'secretsmanager:GetSecretValue',
    );
  });

  it('goes into a VPC when given one', () => {
    const { stack: s } = testStack();
    const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
      isolatedSubnetIds: ['subnet-0123456789abcdef0'],
    });
    new SearchDomain(s, 'InVpc', {
      domainName: 'invpc',
      vpc: { vpc, vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] },
    });
    Template.fromStack(s).hasResourceProperties('AWS::OpenSearchService::Domain', {
      VPCOptions: Match.objectLike({ SubnetIds: ['subnet-0123456789abcdef0'], SecurityGroupIds: Match.anyValue() }),
    });
  });

  it('names the prop of an invalid setting', () => {
    const { stack: s } = testStack();
    expect(() => new SearchDomain(s, 'A', { domainName: 'Bad_Name' })).toThrow(/^domainName: 3-28 characters/);
    expect(() => new SearchDomain(s, 'B', { masterNodes: 2 })).toThrow('masterNodes: 0, 3 or 5, got 2');
    expect(() => new SearchDomain(s, 'C', { dataNodes: 3, availabilityZones: 2 })).toThrow(
      /^dataNodes: a multiple of availabilityZones/,
    );
    expect(() => new SearchDomain(s, 'D', { volumeSizeGiB: 5 })).toThrow(/^volumeSizeGiB: must be an integer from 10/);
  });
});
