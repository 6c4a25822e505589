/**
 * What moto_server 5.2.1 does not deploy from this stack, found by running the deploy (moto logs "No Moto
 * CloudFormation support for <type>" and lists the resource with an empty type). The deploy test asserts that
 * the resources moto skips are exactly these types: a moto upgrade that creates one, or a stack change that adds
 * a type moto skips, fails the test until this list says so. Each of these is checked against the synthesized
 * template in test/infra instead.
 */
export const MOTO_CANNOT_CREATE: Readonly<Record<string, string>> = {
  "AWS::KinesisFirehose::DeliveryStream":
    "no CloudFormation support in moto; the stack names the stream (`<stack>-request-logs`) instead of GetAtt, so " +
    "the functions still get LOG_STREAM_NAME",
  "AWS::Logs::LogStream": "the Firehose delivery-error log stream: no CloudFormation support in moto",
  "AWS::Glue::Database": "no CloudFormation support in moto (the analytics env names it: GLUE_DATABASE)",
  "AWS::Glue::Table": "no CloudFormation support in moto (GLUE_TABLE)",
  "AWS::Athena::WorkGroup": "no CloudFormation support in moto (ATHENA_WORKGROUP, AthenaWorkgroup output)",
  "AWS::SecretsManager::Secret":
    "no CloudFormation support in moto: the root admin key is not created, so the admin and analytics functions " +
    "get no ADMIN_KEY_SECRET_ARN (a Ref to it) and the AdminKeySecretArn output is missing",
  "AWS::ApiGateway::Stage":
    "no CloudFormation support in moto: no `prod` stage, so the URL outputs carry `/None/` where the stage goes",
  "AWS::ApiGateway::Account": "the account-wide CloudWatch role of API Gateway: no CloudFormation support in moto",
  "AWS::CloudWatch::Alarm": "no CloudFormation support in moto (the dashboard is created)",
  "AWS::S3::BucketPolicy": "no CloudFormation support in moto (TLS-only and log-delivery policies)",
  "AWS::CDK::Metadata": "CDK's own usage metadata, not an AWS resource",
};

/*
 * What moto accepts but does not do (seen through its APIs after the deploy). The test does not assert these;
 * test/infra asserts them on the synthesized template:
 * - DynamoDB point-in-time recovery and TTL (DescribeContinuousBackups/DescribeTimeToLive say DISABLED)
 * - KMS DescribeKey on the stack's key: moto keeps the CloudFormation key policy as an object and answers 500
 *   (Encrypt, Decrypt, ListKeys and GetKeyRotationStatus work)
 * - S3 lifecycle rules, versioning, public access block and access logging (only default encryption is applied)
 * - Lambda architecture: arm64 is reported as x86_64
 * - Lambda invocation: moto runs functions in Docker; without Docker, Invoke answers a "Handled" function error.
 *   The gateway bundle runs under AWS's runtime client in test/integration/gateway-lambda-runtime.test.ts instead
 * - API Gateway execute-api URLs: moto serves no traffic through the REST API, so the first `openai` call of
 *   the README runs against real AWS (or `npm start` locally), not here
 */
