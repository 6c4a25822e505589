import { BadRequestError } from "../core/errors";
import { customHostBase } from "./adapter-kit";
import { openAICompatible } from "./openai-compatible";
import { checkProviderOption } from "./provider-options";
import type { ProviderAdapter, TransformContext } from "./types";

/**
 * Azure AI Foundry (model inference): OpenAI's wire format below the endpoint of the caller's resource, given as
 * the custom host (e.g. `https://{resource}.services.ai.azure.com/models`; checked by the SSRF guard like any
 * custom host), Bearer key. `apiVersion` (header `x-portkey-azure-api-version`), when given, becomes the
 * `api-version` query parameter.
 */
function foundryUrl(ctx: TransformContext, path: string): string {
  const host = ctx.target.customHost;
  if (!host) {
    throw new BadRequestError(
      "Provider azure-ai needs your Foundry endpoint as the custom host (x-portkey-custom-host or custom_host).",
      { param: "custom_host", code: "custom_host_required" },
    );
  }
  const url = customHostBase(host) + path;
  const version = ctx.target.options?.apiVersion;
  return version ? `${url}?api-version=${encodeURIComponent(checkProviderOption("apiVersion", version))}` : url;
}

export const azureAiAdapter: ProviderAdapter = openAICompatible({
  id: "azure-ai",
  streamUsage: true,
  endpoints: ["chat", "completions", "embeddings"],
  urlFor: foundryUrl,
});
