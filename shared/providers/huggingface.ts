import { BadRequestError } from "../core/errors";
import { customHostBase, requestedModel } from "./adapter-kit";
import { openAICompatible } from "./openai-compatible";
import type { ProviderAdapter, TransformContext } from "./types";

const ROUTER = "https://router.huggingface.co/v1";

/**
 * A model id as path segments (`meta-llama/Llama-3.1-8B-Instruct` stays two segments, each percent-encoded): a
 * segment that is empty, `.` or `..` could move the request elsewhere on the host, so it is a 400.
 */
function modelPath(model: string): string {
  const segments = model.split("/");
  if (!model || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new BadRequestError(`"model" must be a Hugging Face model id such as org/name, not "${model}".`, {
      param: "model",
      code: "invalid_model",
    });
  }
  return segments.map(encodeURIComponent).join("/");
}

/**
 * Hugging Face: the Inference Providers router (`https://router.huggingface.co/v1`, OpenAI's wire format, the model
 * in the body). A custom host means what it means in Portkey's gateway, whose base URL for huggingface is the
 * per-model serverless API: `{host}/models/{model}/v1/chat/completions` (e.g. the host
 * `https://router.huggingface.co/hf-inference`); a request without a model (`GET /v1/models`) goes to `{host}/models`.
 */
function huggingfaceUrl(ctx: TransformContext, path: string): string {
  const custom = ctx.target.customHost;
  if (!custom) return ROUTER + path;
  const model = requestedModel(ctx.body);
  return `${customHostBase(custom)}${model ? `/models/${modelPath(model)}/v1` : ""}${path}`;
}

export const huggingfaceAdapter: ProviderAdapter = openAICompatible({
  id: "huggingface",
  streamUsage: true,
  baseUrl: ROUTER,
  endpoints: ["chat", "models"],
  urlFor: huggingfaceUrl,
});
