import type { Construct } from "constructs";

/**
 * Everything a deployment may tune, read once from CDK context (`cdk deploy -c key=value` or `cdk.json`).
 * Defaults live here and nowhere else; a malformed value fails the synth instead of being ignored.
 */
export interface GatewayStackOptions {
  /** Hosts/CIDRs the gateway may call as custom hosts despite the SSRF guard (comma-separated). Empty: none. */
  readonly customHostAllowlist: readonly string[];
  /** Retention of every CloudWatch log group in the stack, in days (must be a value CloudWatch accepts). */
  readonly logRetentionDays: number;
  /** Whether request/response bodies go into the request log (gateway env `LOG_BODIES`). */
  readonly logBodies: boolean;
  /** Request-log objects move to S3 Infrequent Access after this many days. */
  readonly logTransitionToIaDays: number;
  /** Request-log objects are deleted after this many days. */
  readonly logExpirationDays: number;
  /** Athena refuses queries that would scan more than this many bytes. */
  readonly athenaBytesScannedCutoff: number;
  /** API Gateway stage throttling (steady requests per second, burst). */
  readonly apiThrottleRateLimit: number;
  readonly apiThrottleBurstLimit: number;
  /** When set, alarms notify an SNS topic with this e-mail subscription. */
  readonly alarmEmail: string | undefined;
  /**
   * Reserved concurrency of the gateway function: the most instances a flood of requests can run (and bill), and
   * the share of the account's concurrency that stays for everything else. `undefined` (context "none"): unreserved.
   */
  readonly gatewayReservedConcurrency: number | undefined;
}

export const DEFAULT_STACK_OPTIONS: GatewayStackOptions = {
  customHostAllowlist: [],
  logRetentionDays: 30,
  logBodies: true,
  logTransitionToIaDays: 30,
  logExpirationDays: 400,
  athenaBytesScannedCutoff: 10 * 1024 ** 3,
  apiThrottleRateLimit: 500,
  apiThrottleBurstLimit: 1000,
  alarmEmail: undefined,
  gatewayReservedConcurrency: 100,
};

/** CloudWatch Logs accepts only these retention periods. */
const VALID_RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

export const DEFAULT_STACK_NAME = "AiGateway";

export function readStackName(scope: Construct): string {
  const value = scope.node.tryGetContext("stackName");
  if (value === undefined) return DEFAULT_STACK_NAME;
  if (typeof value !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,50}$/.test(value)) {
    throw new Error(
      `Context "stackName" must be a CloudFormation stack name of at most 51 characters (resource names derive from it), got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

export function readStackOptions(scope: Construct): GatewayStackOptions {
  const d = DEFAULT_STACK_OPTIONS;
  const options: GatewayStackOptions = {
    customHostAllowlist: readList(scope, "customHostAllowlist") ?? d.customHostAllowlist,
    logRetentionDays: readPositiveInt(scope, "logRetentionDays") ?? d.logRetentionDays,
    logBodies: readBoolean(scope, "logBodies") ?? d.logBodies,
    logTransitionToIaDays: readPositiveInt(scope, "logTransitionToIaDays") ?? d.logTransitionToIaDays,
    logExpirationDays: readPositiveInt(scope, "logExpirationDays") ?? d.logExpirationDays,
    athenaBytesScannedCutoff: readPositiveInt(scope, "athenaBytesScannedCutoff") ?? d.athenaBytesScannedCutoff,
    apiThrottleRateLimit: readPositiveInt(scope, "apiThrottleRateLimit") ?? d.apiThrottleRateLimit,
    apiThrottleBurstLimit: readPositiveInt(scope, "apiThrottleBurstLimit") ?? d.apiThrottleBurstLimit,
    alarmEmail: readString(scope, "alarmEmail") ?? d.alarmEmail,
    gatewayReservedConcurrency: readConcurrency(scope, "gatewayReservedConcurrency", d.gatewayReservedConcurrency),
  };
  validateStackOptions(options);
  return options;
}

export function validateStackOptions(options: GatewayStackOptions): void {
  if (!VALID_RETENTION_DAYS.has(options.logRetentionDays)) {
    throw new Error(
      `logRetentionDays must be one of ${[...VALID_RETENTION_DAYS].join(", ")}; got ${options.logRetentionDays}.`,
    );
  }
  // S3 requires objects to stay 30 days in Standard before Standard-IA, and expiry after the transition.
  if (options.logTransitionToIaDays < 30) {
    throw new Error(`logTransitionToIaDays must be at least 30 (an S3 rule); got ${options.logTransitionToIaDays}.`);
  }
  if (options.logExpirationDays <= options.logTransitionToIaDays) {
    throw new Error("logExpirationDays must be greater than logTransitionToIaDays.");
  }
  if (options.athenaBytesScannedCutoff < 10 * 1024 ** 2) {
    throw new Error("athenaBytesScannedCutoff must be at least 10 MiB (an Athena rule).");
  }
}

// Context values arrive as strings from `-c key=value` and as JSON values from cdk.json: accept both.
function readString(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new Error(`Context "${key}" must be a string.`);
  return value;
}

function readList(scope: Construct, key: string): string[] | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : undefined;
  if (items === undefined || !items.every((item) => typeof item === "string")) {
    throw new Error(`Context "${key}" must be a comma-separated string or a list of strings.`);
  }
  return items.map((item: string) => item.trim()).filter((item) => item !== "");
}

function readPositiveInt(scope: Construct, key: string): number | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return undefined;
  const parsed = typeof value === "string" ? Number(value) : value;
  if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed <= 0) {
    throw new Error(`Context "${key}" must be a positive integer, got ${JSON.stringify(value)}.`);
  }
  return parsed;
}

/** A positive integer, or "none" for no reservation. */
function readConcurrency(scope: Construct, key: string, fallback: number | undefined): number | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (value === "none") return undefined;
  const parsed = typeof value === "string" ? Number(value) : value;
  if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed <= 0) {
    throw new Error(`Context "${key}" must be a positive integer or "none", got ${JSON.stringify(value)}.`);
  }
  return parsed;
}

function readBoolean(scope: Construct, key: string): boolean | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new Error(`Context "${key}" must be true or false, got ${JSON.stringify(value)}.`);
}
