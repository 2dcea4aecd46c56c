/**
 * A Managed Service for Apache Flink 1.20 application running the `@pipeline/flink-sql` runner jar (with its SQL
 * inside) as an asset, the SQL parameters as runtime properties, checkpointing, parallelism, autoscaling, logging
 * and snapshots set explicitly, a least-privilege role, alarms, and an opt-in start on deploy.
 */
import type { SqlParameters, SqlParameterValues, SqlTemplate } from '@pipeline/flink-sql';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kda from 'aws-cdk-lib/aws-kinesisanalyticsv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { createAlarm } from './alarm.js';
import { type SecretReference, sqlRuntimeProperties } from './flink-properties.js';
import { applicationRole, flinkConfiguration } from './flink-role.js';
import { startApplicationOnCreate } from './flink-start.js';
import { ConfigurationError, checkInteger } from './validation.js';

/** The Flink runtime of the application. */
export const FLINK_RUNTIME = 'FLINK-1_20';

export interface FlinkSqlApplicationProps<P extends SqlParameters = SqlParameters> {
  /** The application jar: the runner with the SQL scripts inside (`packageApplicationJar` of `@pipeline/flink-sql`). */
  readonly applicationJar: string;
  /** The SQL template the jar runs: its parameters are checked against `parameters`. */
  readonly sql: SqlTemplate<P>;
  /** Values of the SQL parameters; secrets as `secretRef(secret.secretArn, key)`. */
  readonly parameters: SqlParameterValues<P>;
  /** Secrets the parameters reference (the role gets `secretsmanager:GetSecretValue` on each, by ARN). */
  readonly secrets?: readonly SecretReference[];
  /** Streams the job reads (the role gets read access). */
  readonly sourceStreams?: readonly kinesis.IStream[];
  /** Physical name. Default: generated. */
  readonly applicationName?: string;
  /** Runtime property group the runner reads. Default `SqlParameters`. */
  readonly propertyGroupId?: string;
  /** More runtime property groups. */
  readonly extraPropertyGroups?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Initial parallelism (1–1,000). Default 1. */
  readonly parallelism?: number;
  /** Parallelism per KPU (1–8). Default 1. */
  readonly parallelismPerKpu?: number;
  /** Service autoscaling of the parallelism. Default true. */
  readonly autoScaling?: boolean;
  /** Checkpoint interval (≥ 1 s). Default 60 s (the OpenSearch sink flushes on checkpoints). */
  readonly checkpointInterval?: Duration;
  /** Minimum pause between checkpoints. Default 5 s. */
  readonly minPauseBetweenCheckpoints?: Duration;
  /** Default `INFO`. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Default `APPLICATION`. */
  readonly metricsLevel?: 'APPLICATION' | 'OPERATOR' | 'PARALLELISM' | 'TASK';
  /** Snapshots on stop and update. Default true. */
  readonly snapshots?: boolean;
  /** Roll back to the last good version when an update fails. Default true. */
  readonly systemRollback?: boolean;
  /**
   * Start the application when the stack is created (a custom resource calling `StartApplication`). Default false:
   * start it with the command in `startCommand`.
   */
  readonly startOnDeploy?: boolean;
  /** Log retention. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** `fullRestarts` alarm threshold (restarts in 5 minutes). Default 3. */
  readonly fullRestartsAlarmThreshold?: number;
  /** `millisBehindLatest` alarm threshold. Default 5 minutes. */
  readonly millisBehindLatestAlarmThreshold?: Duration;
}

/** Managed Flink running the SQL runner. */
export class FlinkSqlApplication<P extends SqlParameters = SqlParameters> extends Construct {
  readonly application: kda.CfnApplication;
  readonly applicationName: string;
  readonly applicationArn: string;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The runtime property groups as deployed. */
  readonly propertyGroups: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The AWS CLI command that starts the application (CloudFormation creates it stopped). */
  readonly startCommand: string;
  /** Downtime, full restarts, failed checkpoints, millis behind latest. */
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: FlinkSqlApplicationProps<P>) {
    super(scope, id);
    const parallelism = props.parallelism ?? 1;
    const parallelismPerKpu = props.parallelismPerKpu ?? 1;
    checkInteger('parallelism', parallelism, 1, 1000);
    checkInteger('parallelismPerKpu', parallelismPerKpu, 1, 8);
    const checkpointMs = (props.checkpointInterval ?? Duration.seconds(60)).toMilliseconds();
    const pauseMs = (props.minPauseBetweenCheckpoints ?? Duration.seconds(5)).toMilliseconds();
    checkInteger('checkpointInterval (ms)', checkpointMs, 1000, 2 ** 31 - 1);
    checkInteger('minPauseBetweenCheckpoints (ms)', pauseMs, 0, 2 ** 31 - 1);
    if (props.applicationName !== undefined && !/^[a-zA-Z0-9_.-]{1,128}$/.test(props.applicationName)) {
      throw new ConfigurationError('applicationName', '1-128 letters, digits, _ . -');
    }
    const secrets = props.secrets ?? [];
    this.propertyGroups = sqlRuntimeProperties({
      sql: props.sql,
      parameters: props.parameters,
      secrets,
      ...(props.propertyGroupId === undefined ? {} : { propertyGroupId: props.propertyGroupId }),
      ...(props.extraPropertyGroups === undefined ? {} : { extraPropertyGroups: props.extraPropertyGroups }),
    });

    const jar = new assets.Asset(this, 'Jar', { path: props.applicationJar });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logStream = new logs.LogStream(this, 'LogStream', { logGroup: this.logGroup, logStreamName: 'application' });
    const stack = Stack.of(this);
    const logStreamArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${this.logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const { role, policy } = applicationRole(this, { jar, logGroup: this.logGroup, logStreamArn });
    this.role = role;
    for (const stream of props.sourceStreams ?? []) stream.grantRead(this.role);
    for (const secret of secrets) secret.grantRead(this.role);

    this.application = new kda.CfnApplication(this, 'Resource', {
      runtimeEnvironment: FLINK_RUNTIME,
      serviceExecutionRole: this.role.roleArn,
      ...(props.applicationName === undefined ? {} : { applicationName: props.applicationName }),
      applicationDescription: 'Flink SQL runner (@pipeline/flink-sql)',
      applicationConfiguration: {
        applicationCodeConfiguration: {
          codeContentType: 'ZIPFILE',
          codeContent: { s3ContentLocation: { bucketArn: jar.bucket.bucketArn, fileKey: jar.s3ObjectKey } },
        },
        flinkApplicationConfiguration: flinkConfiguration({
          checkpointIntervalMs: checkpointMs,
          minPauseBetweenCheckpointsMs: pauseMs,
          logLevel: props.logLevel ?? 'INFO',
          metricsLevel: props.metricsLevel ?? 'APPLICATION',
          parallelism,
          parallelismPerKpu,
          autoScaling: props.autoScaling ?? true,
        }),
        environmentProperties: {
          propertyGroups: Object.entries(this.propertyGroups).map(([propertyGroupId, propertyMap]) => ({
            propertyGroupId,
            propertyMap,
          })),
        },
        applicationSnapshotConfiguration: { snapshotsEnabled: props.snapshots ?? true },
        applicationSystemRollbackConfiguration: { rollbackEnabled: props.systemRollback ?? true },
      },
    });
    this.application.node.addDependency(policy);
    for (const child of this.role.node.children) this.application.node.addDependency(child);
    this.applicationName = this.application.ref;
    this.applicationArn = stack.formatArn({
      service: 'kinesisanalytics',
      resource: 'application',
      resourceName: this.applicationName,
    });
    const logging = new kda.CfnApplicationCloudWatchLoggingOption(this, 'Logging', {
      applicationName: this.applicationName,
      cloudWatchLoggingOption: { logStreamArn },
    });
    this.startCommand = `aws kinesisanalyticsv2 start-application --application-name ${this.applicationName} --run-configuration '{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_LATEST_SNAPSHOT"}}'`;
    if (props.startOnDeploy === true) {
      startApplicationOnCreate(this, 'Start', {
        applicationName: this.applicationName,
        applicationArn: this.applicationArn,
        after: [logging],
      });
    }

    this.alarms = this.createAlarms(props);
  }

  private createAlarms(props: FlinkSqlApplicationProps<P>): cloudwatch.Alarm[] {
    const period = Duration.minutes(5);
    return [
      createAlarm(this, 'DowntimeAlarm', {
        metric: this.metric('downtime', { statistic: 'Maximum', period: Duration.minutes(1) }),
        threshold: 0,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        description: 'The Flink job is down (restarting or failed) for 5 minutes',
      }),
      createAlarm(this, 'FullRestartsAlarm', {
        metric: this.metric('fullRestarts', { statistic: 'Maximum', period }),
        threshold: props.fullRestartsAlarmThreshold ?? 3,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: 'The Flink job keeps restarting: see the application log group',
      }),
      createAlarm(this, 'FailedCheckpointsAlarm', {
        metric: this.metric('numberOfFailedCheckpoints', { statistic: 'Maximum', period }),
        threshold: 1,
        description: 'Checkpoints fail: the OpenSearch sink flushes on checkpoints, so results stall',
      }),
      createAlarm(this, 'MillisBehindLatestAlarm', {
        metric: this.metric('millisBehindLatest', { statistic: 'Maximum', period }),
        threshold: (props.millisBehindLatestAlarmThreshold ?? Duration.minutes(5)).toMilliseconds(),
        evaluationPeriods: 3,
        description: 'The Flink job reads the stream far behind its tip',
      }),
    ];
  }

  /** A Managed Flink metric of this application (`AWS/KinesisAnalytics`, `Application`). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/KinesisAnalytics',
      metricName,
      dimensionsMap: { Application: this.applicationName },
      ...props,
    });
  }

  metricFullRestarts(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('fullRestarts', { statistic: 'Maximum', ...props });
  }

  metricMillisBehindLatest(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('millisBehindLatest', { statistic: 'Maximum', ...props });
  }

  /** Lets a principal start and stop the application. */
  grantStartStop(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'kinesisanalytics:StartApplication',
        'kinesisanalytics:StopApplication',
        'kinesisanalytics:DescribeApplication',
      ],
      resourceArns: [this.applicationArn],
    });
  }
}
