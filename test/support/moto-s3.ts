import { motoClientConfig } from "./aws-env";

/**
 * S3 through moto's REST API (path style): no S3 SDK client is installed. moto does not verify signatures but
 * refuses anonymous GetObject, so a syntactically valid SigV4 header is enough.
 */
const FAKE_SIGV4 =
  "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

export async function s3(method: string, path: string): Promise<string> {
  return s3At(motoClientConfig().endpoint, method, path);
}

/** `s3` on any moto_server (the bench starts its own). */
export async function s3At(endpoint: string, method: string, path: string): Promise<string> {
  const res = await fetch(`${endpoint}${path}`, { method, headers: { authorization: FAKE_SIGV4 } });
  const text = await res.text();
  if (!res.ok) throw new Error(`S3 ${method} ${path}: ${res.status} ${text}`);
  return text;
}

/** Every NDJSON row of every object under `prefix` in `bucket`. */
export async function readNdjsonRows(bucket: string, prefix: string): Promise<Record<string, unknown>[]> {
  const listing = await s3("GET", `/${bucket}?list-type=2&prefix=${prefix}`);
  const keys = [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1] as string);
  const objects = await Promise.all(
    keys.map((k) => s3("GET", `/${bucket}/${k.split("/").map(encodeURIComponent).join("/")}`)),
  );
  return objects
    .flatMap((text) => text.split("\n").filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
