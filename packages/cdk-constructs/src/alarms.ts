/**
 * Alarms and cost: one SNS topic (KMS-encrypted with a key CloudWatch and Budgets may use, TLS only) for every alarm,
 * a CloudWatch dashboard of the pipeline's health, and an AWS Budgets cost alarm with a monthly threshold.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ConfigurationError, checkRange } from './validation.js';

/** Key administration by the account, without `kms:*`. */
const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

export interface PipelineMonitoringProps {
  /** Every alarm to route to the topic and show on the dashboard. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** Extra dashboard graphs (e.g. incoming records). */
  readonly widgets?: readonly cloudwatch.IWidget[];
  /** E-mail addresses subscribed to the topic. Default none. */
  readonly emails?: readonly string[];
  /** Monthly cost budget, USD (> 0). Default 100. */
  readonly monthlyBudgetUsd?: number;
  /** Percent of the budget (actual or forecast) that alarms (1–1,000). Default 80. */
  readonly budgetThresholdPercent?: number;
  /** Dashboard name. Default: generated. */
  readonly dashboardName?: string;
  /** Also notify when alarms return to OK. Default true. */
  readonly notifyOnOk?: boolean;
}

/** The pipeline's alarm topic, dashboard and budget. */
export class PipelineMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    if (props.alarms.length === 0) throw new ConfigurationError('alarms', 'give at least one alarm');
    const monthly = props.monthlyBudgetUsd ?? 100;
    const percent = props.budgetThresholdPercent ?? 80;
    checkRange('monthlyBudgetUsd', monthly, 0.01, 1_000_000, ' USD');
    checkRange('budgetThresholdPercent', percent, 1, 1000, '%');
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the pipeline alarm topic; CloudWatch and Budgets may publish to it',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountAdministers',
            principals: [new iam.AccountRootPrincipal()],
            actions: [...KEY_ADMIN_ACTIONS, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'AlarmAndBudgetPublishers',
            principals: [
              new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
              new iam.ServicePrincipal('budgets.amazonaws.com'),
            ],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
          }),
        ],
      }),
    });
    this.topic = new sns.Topic(this, 'Topic', {
      masterKey: this.key,
      enforceSSL: true,
      displayName: 'Pipeline alarms',
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'BudgetsPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    for (const email of props.emails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    const action = new actions.SnsAction(this.topic);
    for (const alarm of props.alarms) {
      alarm.addAlarmAction(action);
      if (props.notifyOnOk ?? true) alarm.addOkAction(action);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName === undefined ? {} : { dashboardName: props.dashboardName }),
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Pipeline alarms', alarms: [...props.alarms], width: 24 }),
    );
    if (props.widgets && props.widgets.length > 0) this.dashboard.addWidgets(...props.widgets);
    const graphs = props.alarms.map(
      (alarm) => new cloudwatch.AlarmWidget({ alarm, title: alarm.node.path.split('/').slice(-2).join(' '), width: 8 }),
    );
    for (let i = 0; i < graphs.length; i += 3) this.dashboard.addWidgets(...graphs.slice(i, i + 3));

    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: monthly, unit: 'USD' },
      },
      notificationsWithSubscribers: (['ACTUAL', 'FORECASTED'] as const).map((notificationType) => ({
        notification: {
          notificationType,
          comparisonOperator: 'GREATER_THAN',
          threshold: percent,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [{ subscriptionType: 'SNS', address: this.topic.topicArn }],
      })),
    });
    this.budget.node.addDependency(this.topic);
  }
}
