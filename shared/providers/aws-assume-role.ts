import { createHash } from "node:crypto";
import { BadRequestError, PermissionError, UpstreamUnavailableError } from "../core/errors";
import { knownSecrets } from "../core/known-secrets";
import { type AwsCredentials, signSigV4 } from "./bedrock-sign";
import { type Issued, RenewingCache } from "./renewing-cache";
import type { SideCalls } from "./types";

/**
 * STS AssumeRole, as the AWS SDKs call it: a SigV4-signed (service `sts`) form POST of `Action=AssumeRole` to the
 * regional STS endpoint, answered in XML with temporary credentials. The call goes through the shared transport
 * (SSRF guard, byte cap, bounded timeout). Credentials are cached per (caller credentials, role, external id,
 * region) until shortly before they expire, with one AssumeRole in flight per key.
 */
const STS_VERSION = "2011-06-15";
/** Asked for 1 hour: the longest every role allows (a role's maximum session is at least 1 hour). */
const DURATION_S = 3600;
/** Credentials are renewed this long before they expire (the AWS SDKs renew 5 minutes early). */
const REFRESH_MARGIN_MS = 5 * 60_000;
const EXCHANGE_TIMEOUT_MS = 10_000;
const MAX_STS_ANSWER_BYTES = 64 * 1024;
const MAX_CACHED_ROLES = 1000;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** AWS's documented external id shape: 2-1224 characters of `[\w+=,.@:/-]`. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export interface AssumeRoleTarget {
  readonly roleArn: string;
  readonly externalId?: string;
  readonly region: string;
}

export interface AssumedRolesOptions {
  readonly now?: () => number;
}

/** The regional STS endpoint, or `AWS_ENDPOINT_URL_STS` (the AWS SDKs' own setting) when the operator sets one. */
export function stsEndpoint(region: string, env: NodeJS.ProcessEnv): string {
  const configured = env.AWS_ENDPOINT_URL_STS?.trim();
  return configured ? configured.replace(/\/+$/, "/") : `https://sts.${region}.amazonaws.com/`;
}

/** Checks `awsRoleArn` / `awsExternalId` (400 `invalid_provider_option` when they are not in AWS's shapes). */
export function checkRoleTarget(roleArn: string, externalId: string | undefined): void {
  if (!ROLE_ARN.test(roleArn)) {
    throw new BadRequestError('"awsRoleArn" must be an IAM role ARN such as arn:aws:iam::123456789012:role/name.', {
      param: "awsRoleArn",
      code: "invalid_provider_option",
    });
  }
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw new BadRequestError('"awsExternalId" must be 2-1224 characters of letters, digits and +=,.@:/-.', {
      param: "awsExternalId",
      code: "invalid_provider_option",
    });
  }
}

/** Temporary credentials of assumed roles, for one process (built once, at module load). */
export class AssumedRoles {
  private readonly now: () => number;
  private readonly cache: RenewingCache<AwsCredentials>;

  constructor(options: AssumedRolesOptions = {}) {
    this.now = options.now ?? Date.now;
    this.cache = new RenewingCache({ maxEntries: MAX_CACHED_ROLES, renewMarginMs: REFRESH_MARGIN_MS, now: this.now });
  }

  /** The role's credentials: cached, else one AssumeRole shared by every caller that waits for it. */
  async credentials(
    caller: AwsCredentials,
    target: AssumeRoleTarget,
    endpoint: string,
    io: SideCalls,
  ): Promise<AwsCredentials> {
    checkRoleTarget(target.roleArn, target.externalId);
    // The caller's secret is part of the key: knowing an access key id alone never reaches another's credentials.
    const key = createHash("sha256")
      .update(
        [
          caller.accessKeyId,
          caller.secretAccessKey,
          caller.sessionToken ?? "",
          target.roleArn,
          target.externalId ?? "",
          target.region,
          endpoint,
        ].join("\n"),
      )
      .digest("hex");
    return this.cache.get(key, () => this.assume(caller, target, endpoint, io));
  }

  private async assume(
    caller: AwsCredentials,
    target: AssumeRoleTarget,
    endpoint: string,
    io: SideCalls,
  ): Promise<Issued<AwsCredentials>> {
    const started = this.now();
    const params = new URLSearchParams({
      Action: "AssumeRole",
      Version: STS_VERSION,
      RoleArn: target.roleArn,
      RoleSessionName: `ai-gateway-${started}`,
      DurationSeconds: String(DURATION_S),
    });
    if (target.externalId) params.set("ExternalId", target.externalId);
    const signed = await signSigV4(
      {
        url: endpoint,
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", accept: "text/xml" },
        body: params.toString(),
      },
      caller,
      target.region,
      "sts",
    );
    // Shared by every waiting request: its own timeout, not one client's signal.
    const answer = await io.send(signed, {
      maxBytes: MAX_STS_ANSWER_BYTES,
      signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
    });
    const xml = answer.body.toString("utf8");
    if (answer.status < 200 || answer.status >= 300) {
      // Only STS's error code: its message can name the caller's own identity (the gateway's role, say).
      const code = xmlValue(xml, "Code")
        ?.replace(/[^\w.]/g, "")
        .slice(0, 64);
      const message = `STS refused to assume ${target.roleArn} (${answer.status}${code ? ` ${code}` : ""}).`;
      if (answer.status >= 500) throw new UpstreamUnavailableError(message, { code: "provider_role_unavailable" });
      throw new PermissionError(message, { code: "provider_role_refused" });
    }
    const accessKeyId = xmlValue(xml, "AccessKeyId");
    const secretAccessKey = xmlValue(xml, "SecretAccessKey");
    const sessionToken = xmlValue(xml, "SessionToken");
    const expiration = Date.parse(xmlValue(xml, "Expiration") ?? "");
    if (!accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiration)) {
      throw new UpstreamUnavailableError("STS answered AssumeRole without credentials.", {
        code: "provider_role_unavailable",
      });
    }
    knownSecrets.add(secretAccessKey);
    knownSecrets.add(sessionToken);
    return {
      value: { accessKeyId, secretAccessKey, sessionToken },
      issuedAt: started,
      lifetimeMs: Math.min(expiration - started, DURATION_S * 1000),
    };
  }
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The text of the first `<name>` element (STS answers are flat enough for this; entities decoded). */
function xmlValue(xml: string, name: string): string | undefined {
  const open = xml.indexOf(`<${name}>`);
  if (open < 0) return undefined;
  const start = open + name.length + 2;
  const end = xml.indexOf(`</${name}>`, start);
  if (end < 0) return undefined;
  return xml.slice(start, end).replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e] ?? "");
}
