import { type Endpoint, endpointsWhere, isCatchAll } from "../core/endpoints";
import { customHostBase, requireOption } from "./adapter-kit";
import { openAICompatible } from "./openai-compatible";
import { RESPONSES_ENDPOINTS, RESPONSES_OVERRIDES } from "./responses-pass-through";
import type { ProviderAdapter, TransformContext } from "./types";

/**
 * Azure OpenAI: OpenAI's wire format at
 * `https://{resourceName}.openai.azure.com/openai/deployments/{deploymentId}/{path}?api-version={apiVersion}`
 * with the key in `api-key`. All three options are required (no silent api-version default): they come from a
 * virtual key / config target or the `x-portkey-azure-*` headers. A custom host replaces
 * `https://{resourceName}.openai.azure.com/openai`. Files, batches and fine-tuning jobs are the resource's, at
 * `{base}/files?api-version=...` (no deployment), as Portkey builds them.
 */
function azureUrl(ctx: TransformContext, path: string): string {
  const apiVersion = requireOption(ctx, "apiVersion", "azure-openai");
  const custom = ctx.target.customHost;
  const base = custom
    ? customHostBase(custom)
    : `https://${encodeURIComponent(requireOption(ctx, "resourceName", "azure-openai"))}.openai.azure.com/openai`;
  // a templated row's path carries the client's query (`?limit=2`): api-version is set on it, not appended twice
  const q = path.indexOf("?");
  const query =
    q === -1 ? `api-version=${encodeURIComponent(apiVersion)}` : withApiVersion(path.slice(q + 1), apiVersion);
  const pathOnly = q === -1 ? path : path.slice(0, q);
  if (RESOURCE_LEVEL.has(ctx.endpoint)) return `${base}${pathOnly}?${query}`;
  const deployment = encodeURIComponent(requireOption(ctx, "deploymentId", "azure-openai"));
  return `${base}/deployments/${deployment}${pathOnly}?${query}`;
}

/**
 * Files, batches and fine-tuning jobs belong to the Azure resource, not to a deployment (`{base}/files?...`); so do
 * responses (`{base}/responses[/{id}]?...`: the body's `model` names the deployment).
 */
const RESOURCE_LEVEL: ReadonlySet<Endpoint> = new Set([
  ...endpointsWhere((row) => row.passThrough === true && !isCatchAll(row)),
  ...RESPONSES_ENDPOINTS,
]);

function withApiVersion(search: string, version: string): string {
  const params = new URLSearchParams(search);
  params.set("api-version", version);
  return params.toString();
}

export const azureOpenAIAdapter: ProviderAdapter = openAICompatible({
  id: "azure-openai",
  endpoints: [
    "chat",
    "completions",
    "embeddings",
    "images",
    "speech",
    "transcriptions",
    "imageEdits",
    "translations",
    ...RESOURCE_LEVEL,
  ],
  endpointOverrides: RESPONSES_OVERRIDES,
  urlFor: azureUrl,
  authHeaders: (key) => ({ "api-key": key }),
});
