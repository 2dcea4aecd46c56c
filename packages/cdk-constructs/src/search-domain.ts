/**
 * An OpenSearch 2.19 domain with the security defaults: gp3, HTTPS only with TLS 1.2 + PFS, node-to-node and at-rest
 * encryption, fine-grained access control with the master user in Secrets Manager, slow-search, slow-index and
 * application logs, an account-scoped access policy (set on the domain itself, no custom resource), optional VPC,
 * and the alarms AWS recommends.
 */
import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { createAlarm } from './alarm.js';
import {
  accessPolicyDocument,
  acknowledgeDomainChoices,
  domainLogGroups,
  masterUserSecret,
} from './search-domain-parts.js';
import { ConfigurationError, checkInteger } from './validation.js';

export { ES_HTTP_ACTIONS } from './search-domain-parts.js';

export interface SearchDomainVpcOptions {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection[];
  readonly securityGroups?: ec2.ISecurityGroup[];
}

export interface SearchDomainProps {
  /** Domain name (3–28 lower-case letters, digits, hyphens). Default: derived from the construct path. */
  readonly domainName?: string;
  /** Data nodes. Default 1. */
  readonly dataNodes?: number;
  /** Default `t3.small.search` (cheapest with encryption at rest and FGAC; use m7g/r7g for production). */
  readonly dataNodeInstanceType?: string;
  /** Dedicated master nodes (0, 3 or 5). Default 0. */
  readonly masterNodes?: number;
  /** Default `m7g.large.search`. */
  readonly masterNodeInstanceType?: string;
  /** Availability zones (1–3); more than one turns zone awareness on. Default 1. */
  readonly availabilityZones?: number;
  /** gp3 volume per data node, GiB (10–…). Default 20. */
  readonly volumeSizeGiB?: number;
  /** Master user name of fine-grained access control. Default `pipeline-admin`. */
  readonly masterUserName?: string;
  /**
   * Also accept requests that are not SigV4-signed, authenticated by fine-grained access control (HTTP basic auth
   * against the internal user database). Needed by clients that cannot sign, such as Flink's OpenSearch SQL
   * connector. Default false: only principals of this account, signed.
   */
  readonly allowUnsignedBasicAuth?: boolean;
  /** Place the domain in a VPC. Default: public endpoint (access policy + FGAC). */
  readonly vpc?: SearchDomainVpcOptions;
  /** Log retention. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Default `RemovalPolicy.RETAIN`. */
  readonly removalPolicy?: RemovalPolicy;
  /** Hour (UTC) of the daily automated snapshot. Default 3. */
  readonly automatedSnapshotStartHour?: number;
}

/** An OpenSearch domain, its master-user secret, logs and alarms. */
export class SearchDomain extends Construct {
  readonly domain: opensearch.Domain;
  /** `{"username": ..., "password": ...}` of the FGAC master user (for the runner's secret reference and Lambdas). */
  readonly masterUserSecret: secretsmanager.ISecret;
  readonly domainName: string;
  /** `https://<endpoint>`. */
  readonly url: string;
  /** Cluster red/yellow, free storage, index writes blocked, snapshot failure, CPU, JVM pressure, KMS errors. */
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: SearchDomainProps = {}) {
    super(scope, id);
    const dataNodes = props.dataNodes ?? 1;
    const azs = props.availabilityZones ?? 1;
    const volume = props.volumeSizeGiB ?? 20;
    const masters = props.masterNodes ?? 0;
    checkInteger('dataNodes', dataNodes, 1, 80);
    checkInteger('availabilityZones', azs, 1, 3);
    checkInteger('volumeSizeGiB', volume, 10, 24_576);
    checkInteger('automatedSnapshotStartHour', props.automatedSnapshotStartHour, 0, 23);
    if (![0, 3, 5].includes(masters)) throw new ConfigurationError('masterNodes', `0, 3 or 5, got ${masters}`);
    if (azs > 1 && dataNodes % azs !== 0) {
      throw new ConfigurationError(
        'dataNodes',
        `a multiple of availabilityZones (${azs}) with zone awareness, got ${dataNodes}`,
      );
    }
    this.domainName = props.domainName ?? defaultDomainName(this);
    if (!/^[a-z][a-z0-9-]{2,27}$/.test(this.domainName)) {
      throw new ConfigurationError(
        'domainName',
        `3-28 characters, a-z first, then a-z 0-9 -; got "${this.domainName}"`,
      );
    }
    const masterUserName = props.masterUserName ?? 'pipeline-admin';
    this.masterUserSecret = masterUserSecret(this, this.domainName, masterUserName);
    const domainLogs = domainLogGroups(this, props.logRetention ?? logs.RetentionDays.ONE_MONTH);
    this.domain = new opensearch.Domain(this, 'Domain', {
      domainName: this.domainName,
      version: opensearch.EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes,
        dataNodeInstanceType: props.dataNodeInstanceType ?? 't3.small.search',
        multiAzWithStandbyEnabled: false,
        ...(masters > 0
          ? { masterNodes: masters, masterNodeInstanceType: props.masterNodeInstanceType ?? 'm7g.large.search' }
          : {}),
      },
      ebs: { enabled: true, volumeType: ec2.EbsDeviceVolumeType.GP3, volumeSize: volume },
      zoneAwareness: azs > 1 ? { enabled: true, availabilityZoneCount: azs } : { enabled: false },
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2_PFS,
      nodeToNodeEncryption: true,
      encryptionAtRest: { enabled: true },
      fineGrainedAccessControl: {
        masterUserName,
        masterUserPassword: this.masterUserSecret.secretValueFromJson('password'),
      },
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup: domainLogs.slowSearch,
        slowIndexLogEnabled: true,
        slowIndexLogGroup: domainLogs.slowIndex,
        appLogEnabled: true,
        appLogGroup: domainLogs.app,
      },
      suppressLogsResourcePolicy: true,
      automatedSnapshotStartHour: props.automatedSnapshotStartHour ?? 3,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.vpc
        ? {
            vpc: props.vpc.vpc,
            ...(props.vpc.vpcSubnets ? { vpcSubnets: props.vpc.vpcSubnets } : {}),
            ...(props.vpc.securityGroups ? { securityGroups: props.vpc.securityGroups } : {}),
          }
        : {}),
    });
    this.domain.node.addDependency(domainLogs.policy);
    (this.domain.node.defaultChild as opensearch.CfnDomain).accessPolicies = accessPolicyDocument(
      this,
      this.domainName,
      props.allowUnsignedBasicAuth === true,
    );
    acknowledgeDomainChoices(this.domain, {
      masters,
      availabilityZones: azs,
      vpc: props.vpc !== undefined,
      unsigned: props.allowUnsignedBasicAuth === true,
    });
    this.url = `https://${this.domain.domainEndpoint}`;
    this.alarms = this.createAlarms(volume);
  }

  private createAlarms(volumeGiB: number): cloudwatch.Alarm[] {
    const d = this.domain;
    const minute = Duration.minutes(1);
    const freeStorageMiB = Math.min(20_480, Math.round(volumeGiB * 1024 * 0.25));
    return [
      createAlarm(this, 'ClusterRedAlarm', {
        metric: d.metricClusterStatusRed({ period: minute }),
        threshold: 1,
        description: 'At least one primary shard is unassigned (cluster red)',
      }),
      createAlarm(this, 'ClusterYellowAlarm', {
        metric: d.metricClusterStatusYellow({ period: minute }),
        threshold: 1,
        evaluationPeriods: 5,
        description:
          'Replica shards are unassigned for 5 minutes (cluster yellow); expected on a single node with replicas',
      }),
      createAlarm(this, 'FreeStorageSpaceAlarm', {
        metric: d.metricFreeStorageSpace({ period: minute }),
        threshold: freeStorageMiB,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `A node has ${freeStorageMiB} MiB (25% of its volume, at most 20 GiB) or less free storage`,
      }),
      createAlarm(this, 'IndexWritesBlockedAlarm', {
        metric: d.metricClusterIndexWritesBlocked({ period: Duration.minutes(5) }),
        threshold: 1,
        description: 'The cluster blocks index writes',
      }),
      createAlarm(this, 'SnapshotFailureAlarm', {
        metric: d.metricAutomatedSnapshotFailure({ period: minute }),
        threshold: 1,
        description: 'An automated snapshot failed',
      }),
      createAlarm(this, 'CpuAlarm', {
        metric: d.metricCPUUtilization({ period: Duration.minutes(15) }),
        threshold: 80,
        evaluationPeriods: 3,
        description: 'CPU at or above 80% for 45 minutes',
      }),
      createAlarm(this, 'JvmMemoryPressureAlarm', {
        metric: d.metricJVMMemoryPressure({ period: Duration.minutes(5) }),
        threshold: 95,
        evaluationPeriods: 3,
        description: 'JVM memory pressure at or above 95%: out-of-memory risk',
      }),
      createAlarm(this, 'KmsKeyErrorAlarm', {
        metric: d.metricKMSKeyError({ period: minute }),
        threshold: 1,
        description: 'The at-rest encryption key is disabled or unusable',
      }),
      createAlarm(this, 'KmsKeyInaccessibleAlarm', {
        metric: d.metricKMSKeyInaccessible({ period: minute }),
        threshold: 1,
        description: 'The at-rest encryption key was deleted or its grants revoked',
      }),
    ];
  }

  /** Lets a principal read the master-user secret (for basic auth). */
  grantReadMasterUser(grantee: iam.IGrantable): iam.Grant {
    return this.masterUserSecret.grantRead(grantee);
  }

  /** Signed HTTP access to one index (FGAC still maps the principal to roles). */
  grantIndexReadWrite(index: string, grantee: iam.IGrantable): iam.Grant {
    return this.domain.grantIndexReadWrite(index, grantee);
  }

  metricClusterStatusRed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.domain.metricClusterStatusRed(props);
  }

  metricSearchableDocuments(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.domain.metricSearchableDocuments(props);
  }
}

function defaultDomainName(scope: Construct): string {
  const name = Names.uniqueResourceName(scope, { maxLength: 28, separator: '-' })
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '');
  return /^[a-z]/.test(name) ? name.slice(0, 28) : `d${name}`.slice(0, 28);
}
