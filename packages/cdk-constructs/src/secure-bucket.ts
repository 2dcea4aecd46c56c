/**
 * The bucket a delivery writes to: S3-managed encryption, versioning, TLS only, all public access blocked, server
 * access logs in a separate log bucket, noncurrent versions expired, RETAIN by default.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { asInterface } from './types.js';

export interface SecureBucketProps {
  /** What happens to the buckets when the stack is deleted. Default `RemovalPolicy.RETAIN`. */
  readonly removalPolicy?: RemovalPolicy;
  /** Days before a noncurrent object version expires. Default 90. */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days access-log objects are kept. Default 365. */
  readonly accessLogRetentionDays?: number;
  /** An existing bucket for the server access logs. Default: a new log bucket. */
  readonly existingAccessLogBucket?: s3.IBucket;
}

/** A data bucket and its access-log bucket with the security defaults above. */
export class SecureBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy,
    } as const;
    if (props.existingAccessLogBucket) {
      this.accessLogBucket = props.existingAccessLogBucket;
    } else {
      const logs = new s3.Bucket(this, 'AccessLogs', {
        ...common,
        // Server access log delivery requires the bucket owner's ACL-less policy grant, which CDK adds below.
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        lifecycleRules: [
          {
            expiration: Duration.days(props.accessLogRetentionDays ?? 365),
            noncurrentVersionExpiration: Duration.days(30),
          },
        ],
      });
      this.accessLogBucket = asInterface<s3.IBucket>(logs);
    }
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'access-logs/',
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays ?? 90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
  }
}
