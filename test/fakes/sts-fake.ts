import type { IncomingMessage, ServerResponse } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { type FakeContext, type FakeServer, sleep, startFakeServer } from "./fake-server";

/**
 * A fake of AWS STS `AssumeRole` (Query API, version 2011-06-15), speaking its documented wire format:
 * `POST /` with a form body `Action=AssumeRole&Version=2011-06-15&RoleArn=...&RoleSessionName=...
 * [&ExternalId=...][&DurationSeconds=...]`, signed with SigV4 for service `sts`. The signature is checked by signing
 * the received request again with the caller's known secret. Answers `<AssumeRoleResponse>` with
 * `<AssumeRoleResult><Credentials>` (AccessKeyId, SecretAccessKey, SessionToken, Expiration), or STS's
 * `<ErrorResponse><Error><Type>Sender</Type><Code>...</Code><Message>...</Message></Error>` with 403/400.
 */
export interface StsFake extends FakeServer {
  /** AssumeRole calls answered with credentials. */
  readonly issued: number;
  /** The credentials handed out last (what Bedrock must then be signed with). */
  readonly lastIssued: { accessKeyId: string; secretAccessKey: string; sessionToken: string } | undefined;
  /** Delay before answering, to hold a call in flight. */
  delayMs: number;
  /** The fake's clock, for `Expiration`. */
  now: () => number;
}

export interface StsFakeOptions {
  readonly region: string;
  /** The caller credentials the fake trusts. */
  readonly caller: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The role that may be assumed, and the external id its trust policy requires. */
  readonly roleArn: string;
  readonly externalId?: string;
  /** Fixed credentials to issue (default: fresh ones per call). */
  readonly issue?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
}

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/sts\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function stsError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": "fake-sts-request" });
  res.end(
    `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${message}</Message>\n  </Error>\n  <RequestId>fake-sts-request</RequestId>\n</ErrorResponse>\n`,
  );
}

async function signatureProblem(req: IncomingMessage, body: Buffer, o: StsFakeOptions): Promise<string | undefined> {
  const m = AUTH.exec(String(req.headers.authorization ?? ""));
  if (!m) return "IncompleteSignature";
  const [, keyId, , region, signedHeaders] = m;
  if (keyId !== o.caller.accessKeyId) return "InvalidClientTokenId";
  if (region !== o.region) return "SignatureDoesNotMatch";
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return "IncompleteSignature";
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders as string).split(";")) {
    if (name !== "x-amz-date") headers[name] = String(req.headers[name] ?? "");
  }
  const [hostname, port] = String(req.headers.host).split(":");
  const signer = new SignatureV4({ service: "sts", region: o.region, credentials: o.caller, sha256: Sha256 });
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signed = await signer.sign(
    {
      method: req.method ?? "POST",
      protocol: "http:",
      hostname: hostname ?? "",
      port: port ? Number(port) : undefined,
      path: new URL(req.url ?? "/", "http://fake").pathname,
      headers,
      body: body.toString("utf8"),
    },
    { signingDate },
  );
  return signed.headers.authorization === req.headers.authorization ? undefined : "SignatureDoesNotMatch";
}

export async function startStsFake(options: StsFakeOptions): Promise<StsFake> {
  let issued = 0;
  let lastIssued: StsFake["lastIssued"];
  const state = { delayMs: 0, now: Date.now as () => number };

  async function handle({ req, res, recorded }: FakeContext): Promise<void> {
    if (state.delayMs) await sleep(state.delayMs);
    if (req.method !== "POST" || recorded.path !== "/") return stsError(res, 404, "InvalidAction", "Not found");
    const problem = await signatureProblem(req, recorded.body, options);
    if (problem) return stsError(res, 403, problem, "The security token included in the request is invalid.");
    const form = new URLSearchParams(recorded.body.toString("utf8"));
    if (form.get("Action") !== "AssumeRole" || form.get("Version") !== "2011-06-15") {
      return stsError(res, 400, "InvalidAction", "Could not find operation");
    }
    const session = form.get("RoleSessionName") ?? "";
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
      return stsError(res, 400, "ValidationError", "1 validation error detected: Value at 'roleSessionName'");
    }
    const callerArn = `arn:aws:iam::111122223333:user/${options.caller.accessKeyId}`;
    if (form.get("RoleArn") !== options.roleArn || (form.get("ExternalId") ?? undefined) !== options.externalId) {
      return stsError(
        res,
        403,
        "AccessDenied",
        `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${form.get("RoleArn")}`,
      );
    }
    const duration = Number(form.get("DurationSeconds") ?? 3600);
    issued += 1;
    const creds = options.issue ?? {
      accessKeyId: `ASIAFAKE${String(issued).padStart(8, "0")}`,
      secretAccessKey: `assumed/secret/${issued}/${Math.random().toString(36).slice(2)}`,
      sessionToken: `FwoGZXIvYXdzEFAKE${issued}${Math.random().toString(36).slice(2)}`,
    };
    lastIssued = creds;
    const expiration = new Date(state.now() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    res.writeHead(200, { "content-type": "text/xml", "x-amzn-requestid": `sts-${issued}` });
    res.end(`<AssumeRoleResponse xmlns="${NS}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>${options.roleArn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")}/${session}</Arn>
      <AssumedRoleId>AROAFAKE:${session}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${creds.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${creds.secretAccessKey}</SecretAccessKey>
      <SessionToken>${creds.sessionToken}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>sts-${issued}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
`);
  }

  const server = await startFakeServer(handle);
  return Object.defineProperties(server as FakeServer & Partial<StsFake>, {
    issued: { get: () => issued },
    lastIssued: { get: () => lastIssued },
    delayMs: { get: () => state.delayMs, set: (v: number) => (state.delayMs = v) },
    now: { get: () => state.now, set: (v: () => number) => (state.now = v) },
  }) as StsFake;
}
