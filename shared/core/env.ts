/**
 * Every environment variable the functions read, in one place. `infra/` sets exactly these; the local runtime
 * sets its own. Reading a required one that is missing throws at cold start, never a silent default.
 */
export const ENV = {
  /** DynamoDB single table (pk/sk, GSI `gsi1` on gsi1pk/gsi1sk, TTL attribute `expiresAt`). */
  tableName: "TABLE_NAME",
  /** KMS key id/arn for virtual-key secrets. */
  kmsKeyId: "KMS_KEY_ID",
  /** Secrets Manager secret holding the root admin key (admin function). */
  adminKeySecretArn: "ADMIN_KEY_SECRET_ARN",
  /** Firehose delivery stream for request log records (gateway, analytics for feedback). */
  logStreamName: "LOG_STREAM_NAME",
  /** Athena workgroup, Glue database and table used by the analytics function. */
  athenaWorkgroup: "ATHENA_WORKGROUP",
  glueDatabase: "GLUE_DATABASE",
  glueTable: "GLUE_TABLE",
  /** Comma-separated host/CIDR allowlist for custom hosts that would otherwise be refused (SSRF guard). */
  customHostAllowlist: "CUSTOM_HOST_ALLOWLIST",
  /** "true" | "false": whether request/response bodies go into the request logs by default (gateway). */
  logBodies: "LOG_BODIES",
  /**
   * Comma-separated host names of this deployment's API (gateway): never an upstream, and the seed of the
   * deployment's `x-portkey-hop` mark, so a request looping back through any instance is recognised.
   */
  selfHosts: "GATEWAY_SELF_HOSTS",
  /** Days a Responses API response made through the chat layer is kept (gateway; default 30, docs/responses.md). */
  responsesTtlDays: "RESPONSES_TTL_DAYS",
} as const;

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new Error(`Environment variable ${name} is required but not set.`);
  }
  return value;
}

export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}
