import { customHostBase, requireOption } from "./adapter-kit";
import { openAICompatible } from "./openai-compatible";
import type { ProviderAdapter, TransformContext } from "./types";

/**
 * Azure OpenAI: OpenAI's wire format at
 * `https://{resourceName}.openai.azure.com/openai/deployments/{deploymentId}/{path}?api-version={apiVersion}`
 * with the key in `api-key`. All three options are required (no silent api-version default): they come from a
 * virtual key / config target or the `x-portkey-azure-*` headers. A custom host replaces
 * `https://{resourceName}.openai.azure.com/openai`.
 */
function azureUrl(ctx: TransformContext, path: string): string {
  const deployment = encodeURIComponent(requireOption(ctx, "deploymentId", "azure-openai"));
  const version = encodeURIComponent(requireOption(ctx, "apiVersion", "azure-openai"));
  const custom = ctx.target.customHost;
  const base = custom
    ? customHostBase(custom)
    : `https://${encodeURIComponent(requireOption(ctx, "resourceName", "azure-openai"))}.openai.azure.com/openai`;
  return `${base}/deployments/${deployment}${path}?api-version=${version}`;
}

export const azureOpenAIAdapter: ProviderAdapter = openAICompatible({
  id: "azure-openai",
  endpoints: ["chat", "completions", "embeddings", "images", "speech", "transcriptions"],
  urlFor: azureUrl,
  authHeaders: (key) => ({ "api-key": key }),
});
