import { RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";

export interface SecureBucketProps {
  /** Where S3 server access logs for this bucket go; omit only for the access-log bucket itself. */
  readonly serverAccessLogsBucket: s3.IBucket | undefined;
  readonly serverAccessLogsPrefix?: string;
  readonly lifecycleRules: s3.LifecycleRule[];
  readonly versioned: boolean;
}

/**
 * Every bucket in the stack: SSE-S3, all public access blocked, TLS-only bucket policy, ACLs disabled, retained
 * when the stack is deleted (request logs are an audit record; delete them deliberately, not by accident).
 */
export function createSecureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: props.versioned,
    serverAccessLogsBucket: props.serverAccessLogsBucket,
    serverAccessLogsPrefix: props.serverAccessLogsPrefix,
    lifecycleRules: props.lifecycleRules,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
