import { optionalEnv } from "../core/env";
import { BadRequestError } from "../core/errors";
import type { UpstreamRequest } from "./types";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Where Bedrock credentials come from, in order: the target's options (virtual key, config target or the
 * `x-portkey-aws-*` headers); else the process's own role credentials from the Lambda environment
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, read at sign time because Lambda sets them
 * per execution environment). Returns undefined when there are none.
 */
export function resolveAwsCredentials(
  options: Readonly<Record<string, string | undefined>>,
  env: NodeJS.ProcessEnv,
): AwsCredentials | undefined {
  if (options.awsAccessKeyId || options.awsSecretAccessKey) {
    if (!options.awsAccessKeyId || !options.awsSecretAccessKey) {
      throw new BadRequestError("Bedrock credentials need both an access key id and a secret access key.", {
        param: "awsSecretAccessKey",
        code: "missing_provider_option",
      });
    }
    return {
      accessKeyId: options.awsAccessKeyId,
      secretAccessKey: options.awsSecretAccessKey,
      sessionToken: options.awsSessionToken,
    };
  }
  const accessKeyId = optionalEnv("AWS_ACCESS_KEY_ID", env);
  const secretAccessKey = optionalEnv("AWS_SECRET_ACCESS_KEY", env);
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: optionalEnv("AWS_SESSION_TOKEN", env) };
}

/** The SigV4 signer and its hash (35 kB), loaded with the first request to sign, not at cold start (ADR 0041). */
let signerParts: Promise<[typeof import("@smithy/signature-v4"), typeof import("@aws-crypto/sha256-js")]> | undefined;

function loadSigner(): Promise<[typeof import("@smithy/signature-v4"), typeof import("@aws-crypto/sha256-js")]> {
  signerParts ??= Promise.all([import("@smithy/signature-v4"), import("@aws-crypto/sha256-js")]).catch(
    (err: unknown) => {
      signerParts = undefined; // the next request tries again
      throw err;
    },
  );
  return signerParts;
}

/** Signs an upstream request with SigV4 (service `bedrock`). No network I/O: credentials are already resolved. */
export async function signSigV4(
  req: UpstreamRequest,
  credentials: AwsCredentials,
  region: string,
  service = "bedrock",
): Promise<UpstreamRequest> {
  const [{ SignatureV4 }, { Sha256 }] = await loadSigner();
  const url = new URL(req.url);
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await signer.sign({
    method: req.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { ...req.headers, host: url.host },
    body: req.body,
  });
  return { ...req, headers: signed.headers as Record<string, string> };
}
