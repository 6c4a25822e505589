import { BadRequestError, UpstreamUnavailableError } from "../core/errors";
import { parseUpstreamJson, requireKey } from "./adapter-kit";
import { defineProvider, type EndpointTransforms } from "./define-provider";
import { modelsLabFailure, modelsLabMessage, pollModelsLab } from "./modelslab-jobs";
import { nowSeconds } from "./openai-chunks";
import { openAICompatible } from "./openai-compatible";
import { toOpenAIErrorBody } from "./openai-errors";
import { applyParamPolicy, type ParamPolicy } from "./param-policy";
import type { ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

/**
 * ModelsLab (`modelslab`): its LLM API is OpenAI's wire format (`POST {api}/v7/llm/chat/completions`, Bearer key);
 * images (`POST {api}/v6/images/text2img`, `/img2img` when the body has an `init_image`) and videos
 * (`{api}/v6/video/text2video`, `/img2video`) take the key in the JSON body and may answer `processing`, which the
 * gateway polls until final (modelslab-jobs.ts). A custom host replaces `https://modelslab.com/api`.
 */
const API_ROOT = "https://modelslab.com/api";

function apiRoot(ctx: TransformContext): string {
  const custom = ctx.target.customHost;
  return custom ? custom.replace(/\/$/, "") : API_ROOT;
}

const chat = openAICompatible({
  id: "modelslab",
  endpoints: ["chat"],
  urlFor: (ctx, path) => `${apiRoot(ctx)}/v7/llm${path}`,
});

const chatTransforms: EndpointTransforms = {
  toRequest: (ctx) => chat.toRequest(ctx),
  fromResponse: (status, body, ctx) => chat.fromResponse(status, body, ctx),
  stream: (ctx) => chat.createStreamTranslator(ctx),
};

/** OpenAI's image (and video) parameters; ModelsLab's own fields pass through by name (`extra_body`). */
const MEDIA_PARAMS: ParamPolicy = {
  model: "map",
  prompt: "map",
  n: "map",
  size: "map",
  response_format: "map",
  negative_prompt: "map",
  seed: "map",
  init_image: "map",
  strength: "map",
  num_inference_steps: "map",
  guidance_scale: "map",
  num_frames: "map",
  fps: "map",
  quality: "drop",
  style: "drop",
  user: "drop",
  background: "drop",
  moderation: "drop",
  output_format: "drop",
};
const PASSED = [
  "negative_prompt",
  "seed",
  "init_image",
  "strength",
  "num_inference_steps",
  "guidance_scale",
  "num_frames",
  "fps",
];
/** ModelsLab makes at most 4 images per request. */
const MAX_SAMPLES = 4;

function dimensions(size: unknown): { width: number; height: number } | undefined {
  if (size === undefined || size === null || size === "auto") return undefined;
  const m = typeof size === "string" ? /^(\d{2,4})x(\d{2,4})$/.exec(size) : null;
  if (!m) {
    throw new BadRequestError(`Size ${JSON.stringify(size)} is not WIDTHxHEIGHT.`, {
      param: "size",
      code: "invalid_value",
    });
  }
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** The JSON body ModelsLab's generation endpoints take, from an OpenAI images-shaped request. */
function mediaBody(ctx: TransformContext): { body: Record<string, unknown>; dropped: string[] } {
  const b = ctx.body;
  const dropped = applyParamPolicy(b, MEDIA_PARAMS, "modelslab");
  if (typeof b.model !== "string" || !b.model) {
    throw new BadRequestError("ModelsLab needs a model (its model_id).", { param: "model", code: "missing_model" });
  }
  if (typeof b.prompt !== "string" || !b.prompt) {
    throw new BadRequestError("A prompt is required.", { param: "prompt", code: "missing_prompt" });
  }
  if (b.response_format !== undefined && b.response_format !== "url") {
    throw new BadRequestError('ModelsLab answers image URLs: response_format must be "url".', {
      param: "response_format",
      code: "unsupported_parameter",
    });
  }
  const n = b.n ?? 1;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_SAMPLES) {
    throw new BadRequestError(`ModelsLab makes 1 to ${MAX_SAMPLES} images per request.`, {
      param: "n",
      code: "unsupported_parameter",
    });
  }
  const body: Record<string, unknown> = { key: requireKey(ctx, "modelslab"), model_id: b.model, prompt: b.prompt };
  if (ctx.endpoint === "images") body.samples = n;
  Object.assign(body, dimensions(b.size));
  for (const name of PASSED) if (b[name] !== undefined) body[name] = b[name];
  return { body, dropped };
}

/** The final answer in OpenAI's images shape: `{created, data: [{url}]}`. */
function mediaAnswer(_status: number, raw: Buffer): TranslatedResponse {
  const answer = parseUpstreamJson(raw, "modelslab");
  if (answer.status !== "success") {
    if (answer.status === "error" || answer.status === "failed") throw modelsLabFailure(answer);
    throw new UpstreamUnavailableError(`ModelsLab answered status "${String(answer.status)}".`, {
      code: "invalid_upstream_response",
    });
  }
  const output = Array.isArray(answer.output) ? answer.output.filter((u): u is string => typeof u === "string") : [];
  const body = { created: nowSeconds(), data: output.map((url) => ({ url })) };
  return { body: JSON.stringify(body), contentType: "application/json" };
}

/** One generation endpoint: `{api}/v6/{kind}/{text|image-based path}`, polled at `{api}/v6/{kind}/fetch/{id}`. */
function generation(kind: "images" | "video", textPath: string, imagePath: string): EndpointTransforms {
  return {
    toRequest(ctx): UpstreamRequest {
      const { body, dropped } = mediaBody(ctx);
      const path = body.init_image === undefined ? textPath : imagePath;
      return {
        url: `${apiRoot(ctx)}/v6/${kind}/${path}`,
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
        droppedParams: dropped,
      };
    },
    fromResponse: mediaAnswer,
    followUp: (raw, req, ctx, io) =>
      pollModelsLab(raw, req, requireKey(ctx, "modelslab"), io, (id) => `${apiRoot(ctx)}/v6/${kind}/fetch/${id}`),
  };
}

export const modelsLabAdapter: ProviderAdapter = defineProvider({
  id: "modelslab",
  defaultBaseUrl: API_ROOT,
  endpoints: {
    chat: chatTransforms,
    images: generation("images", "text2img", "img2img"),
    videos: generation("video", "text2video", "img2video"),
  },
  mapError(status, raw, ctx) {
    if (ctx.endpoint === "chat") return chat.mapError(status, raw, ctx);
    const body = toOpenAIErrorBody(status, raw, "modelslab");
    try {
      const message = modelsLabMessage(JSON.parse(raw.toString("utf8")) as Record<string, unknown>);
      if (message) body.error.message = message;
    } catch {
      // not JSON: toOpenAIErrorBody's text stands
    }
    return body;
  },
});
