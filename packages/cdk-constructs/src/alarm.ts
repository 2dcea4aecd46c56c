/** One CloudWatch alarm as every construct here makes it: named, described, missing data not breaching. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** Default `GREATER_THAN_OR_EQUAL_TO_THRESHOLD`. */
  readonly comparison?: cloudwatch.ComparisonOperator;
  /** Default 1. */
  readonly evaluationPeriods?: number;
  /** Default: `evaluationPeriods`. */
  readonly datapointsToAlarm?: number;
  /** Default `NOT_BREACHING` (no traffic is not an alarm). */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
  readonly description: string;
}

export function createAlarm(scope: Construct, id: string, spec: AlarmSpec): cloudwatch.Alarm {
  const evaluationPeriods = spec.evaluationPeriods ?? 1;
  return new cloudwatch.Alarm(scope, id, {
    metric: spec.metric,
    threshold: spec.threshold,
    comparisonOperator: spec.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods,
    datapointsToAlarm: spec.datapointsToAlarm ?? evaluationPeriods,
    treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: spec.description,
  });
}
