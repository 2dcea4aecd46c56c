import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { IngestStream, PipelineMonitoring } from '../../src/index.js';
import { testStack } from './helpers/stack.js';

describe('PipelineMonitoring', () => {
  const { stack } = testStack();
  const ingest = new IngestStream(stack, 'Ingest');
  new PipelineMonitoring(stack, 'Monitoring', {
    alarms: ingest.alarms,
    monthlyBudgetUsd: 25,
    emails: ['ops@example.com'],
  });
  const template = Template.fromStack(stack);

  it('routes every alarm (and its recovery) to one KMS-encrypted, TLS-only topic', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });

  it('has a dashboard and a monthly cost budget alarming at 80% actual and forecast', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 25, Unit: 'USD' } },
      NotificationsWithSubscribers: [
        Match.objectLike({ Notification: Match.objectLike({ NotificationType: 'ACTUAL', Threshold: 80 }) }),
        Match.objectLike({ Notification: Match.objectLike({ NotificationType: 'FORECASTED', Threshold: 80 }) }),
      ],
    });
  });

  it('names the prop of an invalid threshold', () => {
    const { stack: s } = testStack();
    const alarms = new IngestStream(s, 'I').alarms;
    expect(() => new PipelineMonitoring(s, 'A', { alarms, monthlyBudgetUsd: 0 })).toThrow(
      /^monthlyBudgetUsd: must be from 0.01/,
    );
    expect(() => new PipelineMonitoring(s, 'B', { alarms, budgetThresholdPercent: 0 })).toThrow(
      /^budgetThresholdPercent/,
    );
    expect(() => new PipelineMonitoring(s, 'C', { alarms: [] })).toThrow('alarms: give at least one alarm');
  });
});
