import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * SigV4-signed calls to the AWS APIs this repository has no SDK client for (Lambda, S3, CloudFormation, API
 * Gateway: the functions never call them, so only the deploy test needs them). The request is what the SDK would
 * send on the wire; the endpoint is the emulator's.
 */
export interface AwsTarget {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface AwsCall {
  readonly service: "lambda" | "s3" | "cloudformation" | "apigateway";
  readonly method: "GET" | "HEAD" | "POST";
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly contentType?: string;
}

export interface AwsAnswer {
  readonly status: number;
  readonly text: string;
}

const CALL_TIMEOUT_MS = 15_000;

export async function awsCall(target: AwsTarget, call: AwsCall): Promise<AwsAnswer> {
  const url = new URL(call.path, target.endpoint);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
  const signer = new SignatureV4({
    service: call.service,
    region: target.region,
    credentials: target.credentials,
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await signer.sign({
    method: call.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: {
      host: url.host,
      ...(call.contentType === undefined ? {} : { "content-type": call.contentType }),
    },
    body: call.body,
  });
  const res = await fetch(url, {
    method: call.method,
    headers: signed.headers as Record<string, string>,
    body: call.body,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  return { status: res.status, text: await res.text() };
}

/** `awsCall` that fails on a non-2xx answer. */
export async function awsOk(target: AwsTarget, call: AwsCall): Promise<string> {
  const answer = await awsCall(target, call);
  if (answer.status < 200 || answer.status > 299) {
    throw new Error(`${call.service} ${call.method} ${call.path}: ${answer.status} ${answer.text.slice(0, 500)}`);
  }
  return answer.text;
}

/** A CloudFormation query-protocol action (form-encoded POST, XML answer). */
export function cloudFormation(target: AwsTarget, action: string, params: Record<string, string>): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: "2010-05-15", ...params }).toString();
  return awsOk(target, {
    service: "cloudformation",
    method: "POST",
    path: "/",
    body,
    contentType: "application/x-www-form-urlencoded",
  });
}

/** The text of every `<tag>` element in an XML answer, in document order. */
export function xmlTexts(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => decodeXml(m[1] ?? ""));
}

function decodeXml(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");
}
