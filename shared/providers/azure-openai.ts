import { requireOption } from "./adapter-kit";
import { openAICompatible } from "./openai-compatible";
import { RESPONSES_ENDPOINTS, RESPONSES_OVERRIDES } from "./responses-pass-through";
import type { ProviderAdapter, TransformContext } from "./types";

/**
 * Azure OpenAI: OpenAI's wire format at
 * `https://{resourceName}.openai.azure.com/openai/deployments/{deploymentId}/{path}?api-version={apiVersion}`
 * with the key in `api-key`. All three options are required (no silent api-version default): they come from a
 * virtual key / config target or the `x-portkey-azure-*` headers. A custom host replaces
 * `https://{resourceName}.openai.azure.com/openai`.
 */
function azureUrl(ctx: TransformContext, path: string): string {
  if (ctx.endpoint.startsWith("responses")) return azureResponsesUrl(ctx, path);
  const deployment = encodeURIComponent(requireOption(ctx, "deploymentId", "azure-openai"));
  const version = encodeURIComponent(requireOption(ctx, "apiVersion", "azure-openai"));
  const custom = ctx.target.customHost;
  const base = custom
    ? custom.replace(/\/$/, "")
    : `https://${encodeURIComponent(requireOption(ctx, "resourceName", "azure-openai"))}.openai.azure.com/openai`;
  return `${base}/deployments/${deployment}${path}?api-version=${version}`;
}

/**
 * The Responses API has no deployment segment (the body's `model` names the deployment):
 * `https://{resourceName}.openai.azure.com/openai/responses[/{id}]?api-version={apiVersion}[&the client's query]`.
 */
function azureResponsesUrl(ctx: TransformContext, path: string): string {
  const version = encodeURIComponent(requireOption(ctx, "apiVersion", "azure-openai"));
  const custom = ctx.target.customHost;
  const base = custom
    ? custom.replace(/\/$/, "")
    : `https://${encodeURIComponent(requireOption(ctx, "resourceName", "azure-openai"))}.openai.azure.com/openai`;
  const query = path.indexOf("?");
  const own = query === -1 ? "" : `&${path.slice(query + 1)}`;
  return `${base}${query === -1 ? path : path.slice(0, query)}?api-version=${version}${own}`;
}

export const azureOpenAIAdapter: ProviderAdapter = openAICompatible({
  id: "azure-openai",
  endpoints: ["chat", "completions", "embeddings", "images", "speech", "transcriptions", ...RESPONSES_ENDPOINTS],
  endpointOverrides: RESPONSES_OVERRIDES,
  urlFor: azureUrl,
  authHeaders: (key) => ({ "api-key": key }),
});
