// Firehose's prefix rules have one home, @pipeline/firehose-transform (the CDK constructs validate with the same code).
export {
  DEFAULT_PREFIX,
  evaluateFirehosePrefix,
  type FirehoseErrorOutputType,
  FirehosePrefixError,
  formatDateTimePattern,
  MissingPartitionKeyError,
  type PrefixContext,
  type PrefixExpression,
  type PrefixKind,
  prefixExpressions,
  randomFirehoseString,
  validateFirehosePrefixes,
} from '@pipeline/firehose-transform';
