import { customHostBase, requireOption } from "./adapter-kit";
import { openAICompatible } from "./openai-compatible";
import type { ProviderAdapter, TransformContext } from "./types";

const CLOUDFLARE_API = "https://api.cloudflare.com/client/v4";

/**
 * Cloudflare Workers AI through its OpenAI-compatible endpoints:
 * `https://api.cloudflare.com/client/v4/accounts/{workersAiAccountId}/ai/v1/{path}`, Bearer API token. The account
 * id is a required option (header `x-portkey-workers-ai-account-id`, 32 hex digits, checked before it enters the
 * URL). A custom host replaces `https://api.cloudflare.com/client/v4/accounts/{workersAiAccountId}/ai` (Portkey's
 * base URL for workers-ai, less the `/run` of the native API this adapter does not call), the gateway adds `/v1`:
 * a Cloudflare AI Gateway URL `https://gateway.ai.cloudflare.com/v1/{account}/{gateway}/workers-ai` works as is.
 */
function workersAiUrl(ctx: TransformContext, path: string): string {
  const custom = ctx.target.customHost;
  if (custom) return `${customHostBase(custom, "/v1")}${path}`;
  const account = requireOption(ctx, "workersAiAccountId", "workers-ai");
  return `${CLOUDFLARE_API}/accounts/${account}/ai/v1${path}`;
}

export const workersAiAdapter: ProviderAdapter = openAICompatible({
  id: "workers-ai",
  endpoints: ["chat", "embeddings"],
  urlFor: workersAiUrl,
});
