import { randomBytes } from "node:crypto";
import { BadRequestError } from "../core/errors";
import { baseUrl, parseUpstreamJson, requireKey } from "./adapter-kit";
import { defineProvider } from "./define-provider";
import { nowSeconds } from "./openai-chunks";
import { toOpenAIErrorBody } from "./openai-errors";
import { applyParamPolicy, type ParamPolicy } from "./param-policy";
import type { ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

/**
 * Stability AI image generation with the v2beta Stable Image API (`POST /v2beta/stable-image/generate/{core|
 * ultra|sd3}`, multipart form, `accept: application/json` -> `{"image": base64, "finish_reason", "seed"}`),
 * answered in OpenAI's images shape (`data[].b64_json`). Model ids: `stable-image-core`, `stable-image-ultra`,
 * or an SD3 model (`sd3.5-large`, `sd3.5-large-turbo`, `sd3.5-medium`, ...).
 */
const BASE_URL = "https://api.stability.ai";

export const STABILITY_PARAMS: ParamPolicy = {
  model: "map",
  prompt: "map",
  size: "map",
  output_format: "map",
  negative_prompt: "map",
  seed: "map",
  n: "refuse",
  response_format: "map",
  quality: "drop",
  style: "drop",
  user: "drop",
  background: "drop",
  moderation: "drop",
};

const ASPECT_RATIOS: readonly (readonly [string, number])[] = [
  ["21:9", 21 / 9],
  ["16:9", 16 / 9],
  ["3:2", 3 / 2],
  ["5:4", 5 / 4],
  ["1:1", 1],
  ["4:5", 4 / 5],
  ["2:3", 2 / 3],
  ["9:16", 9 / 16],
  ["9:21", 9 / 21],
];

/**
 * OpenAI `size` ("1792x1024") -> the Stability `aspect_ratio` within 5% of it ("16:9"); OpenAI's documented sizes
 * all have one. Other sizes are a 400 rather than a silently different picture.
 */
export function aspectRatio(size: string): string {
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (m && Number(m[2]) > 0) {
    const ratio = Number(m[1]) / Number(m[2]);
    for (const [name, value] of ASPECT_RATIOS) if (Math.abs(ratio - value) / value <= 0.05) return name;
  }
  throw new BadRequestError(
    `Size "${size}" has no Stability aspect ratio (${ASPECT_RATIOS.map((r) => r[0]).join(", ")}).`,
    {
      param: "size",
      code: "unsupported_parameter",
    },
  );
}

function route(model: string): { path: string; sd3Model?: string } {
  if (model === "stable-image-core" || model === "core") return { path: "core" };
  if (model === "stable-image-ultra" || model === "ultra") return { path: "ultra" };
  if (model.startsWith("sd3")) return { path: "sd3", sd3Model: model };
  throw new BadRequestError(
    `Unknown Stability image model "${model}": use stable-image-core, stable-image-ultra or sd3*.`,
    {
      param: "model",
      code: "invalid_value",
    },
  );
}

/** A multipart/form-data body from text fields (RFC 7578). */
export function multipart(fields: Readonly<Record<string, string>>): { body: Buffer; contentType: string } {
  const boundary = `----gateway${randomBytes(12).toString("hex")}`;
  let text = "";
  for (const [name, value] of Object.entries(fields)) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  text += `--${boundary}--\r\n`;
  return { body: Buffer.from(text, "utf8"), contentType: `multipart/form-data; boundary=${boundary}` };
}

function toRequest(ctx: TransformContext): UpstreamRequest {
  const dropped = applyParamPolicy(ctx.body, STABILITY_PARAMS, "stability-ai");
  const b = ctx.body;
  if (typeof b.prompt !== "string" || b.prompt === "") {
    throw new BadRequestError('"prompt" is required.', { param: "prompt", code: "invalid_value" });
  }
  if (b.response_format !== undefined && b.response_format !== null && b.response_format !== "b64_json") {
    throw new BadRequestError('Provider stability-ai returns images inline only: response_format must be "b64_json".', {
      param: "response_format",
      code: "unsupported_parameter",
    });
  }
  const { path, sd3Model } = route(typeof b.model === "string" ? b.model : "");
  const fields: Record<string, string> = {
    prompt: b.prompt,
    output_format: typeof b.output_format === "string" ? b.output_format : "png",
  };
  if (sd3Model) fields.model = sd3Model;
  if (typeof b.size === "string") fields.aspect_ratio = aspectRatio(b.size);
  if (typeof b.negative_prompt === "string") fields.negative_prompt = b.negative_prompt;
  if (typeof b.seed === "number") fields.seed = String(b.seed);
  const { body, contentType } = multipart(fields);
  return {
    url: `${baseUrl(ctx, BASE_URL)}/v2beta/stable-image/generate/${path}`,
    method: "POST",
    headers: {
      ...ctx.target.forwardHeaders,
      authorization: `Bearer ${requireKey(ctx, "stability-ai")}`,
      accept: "application/json",
      "content-type": contentType,
    },
    body,
    droppedParams: dropped,
  };
}

function fromResponse(_status: number, raw: Buffer): TranslatedResponse {
  const json = parseUpstreamJson(raw, "stability-ai");
  const data = typeof json.image === "string" ? [{ b64_json: json.image }] : [];
  return { body: JSON.stringify({ created: nowSeconds(), data }), contentType: "application/json" };
}

/** Stability's errors: `{"id","name","errors":[...]}` -> OpenAI's shape (name as code). */
function mapError(status: number, raw: Buffer) {
  try {
    const parsed = JSON.parse(raw.toString("utf8")) as { name?: unknown; errors?: unknown };
    if (Array.isArray(parsed.errors)) {
      const name = typeof parsed.name === "string" ? parsed.name : null;
      const type = status === 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "invalid_request_error";
      return { error: { message: parsed.errors.join("; "), type, param: null, code: name } };
    }
  } catch {
    // fall back below
  }
  return toOpenAIErrorBody(status, raw, "stability-ai");
}

export const stabilityAdapter: ProviderAdapter = defineProvider({
  id: "stability-ai",
  defaultBaseUrl: BASE_URL,
  // no stream transform: `stream: true` is not asked of Stability, the image comes back whole
  endpoints: { images: { toRequest, fromResponse } },
  mapError,
});
