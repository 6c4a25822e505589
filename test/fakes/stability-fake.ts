import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer } from "./fake-server";

/**
 * A fake of Stability AI's v2beta Stable Image API: `POST /v2beta/stable-image/generate/{core|ultra|sd3}` with a
 * multipart form (prompt, aspect_ratio, output_format, model for sd3), Bearer key, `accept: application/json`
 * -> `{"image": base64, "finish_reason": "SUCCESS", "seed"}`; errors as `{"id","name","errors":[...]}`.
 */
export const FAKE_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

export function stabilityErrorBody(status: number, message = `fake stability error ${status}`): string {
  const name =
    status === 401
      ? "unauthorized"
      : status === 429
        ? "rate_limit_exceeded"
        : status >= 500
          ? "internal_error"
          : "bad_request";
  return JSON.stringify({ id: "err-fake", name, errors: [message] });
}

/** Text fields and file parts of a multipart/form-data body (enough for fakes). */
export function parseMultipart(
  body: Buffer,
  contentType: string | undefined,
): Map<string, { value: Buffer; filename?: string }> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType ?? "")?.[2];
  const out = new Map<string, { value: Buffer; filename?: string }>();
  if (!boundary) return out;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    const headers = part.subarray(0, headerEnd).toString("utf8");
    const name = /name="([^"]*)"/.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/.exec(headers)?.[1];
    if (name) out.set(name, { value: part.subarray(headerEnd + 4), filename });
    start = next;
  }
  return out;
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(stabilityErrorBody(status, message));
}

export async function startStabilityFake(options: { apiKey: string }): Promise<FakeServer> {
  async function handle({ req, res, recorded }: FakeContext): Promise<void> {
    const match = /^\/v2beta\/stable-image\/generate\/(core|ultra|sd3)$/.exec(recorded.path);
    if (req.method !== "POST" || !match) return fail(res, 404, "not found");
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return fail(res, 401, "Missing or invalid API key");
    if (!String(req.headers["content-type"]).startsWith("multipart/form-data"))
      return fail(res, 400, "content-type must be multipart/form-data");
    const form = parseMultipart(recorded.body, req.headers["content-type"]);
    const prompt = form.get("prompt")?.value.toString("utf8");
    if (!prompt) return fail(res, 400, "prompt: cannot be empty");
    const ratio = form.get("aspect_ratio")?.value.toString("utf8") ?? "1:1";
    if (!["16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"].includes(ratio))
      return fail(res, 400, "aspect_ratio: invalid");
    if (match[1] === "sd3" && !form.get("model")) return fail(res, 400, "model: required for sd3");
    if (req.headers.accept !== "application/json") {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(FAKE_PNG);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ image: FAKE_PNG.toString("base64"), finish_reason: "SUCCESS", seed: 42 }));
  }
  return startFakeServer(handle);
}
